/**
 * Type-checks one learner file with the TypeScript compiler API, the way the workspace's tsconfig.json says.
 * Only the learner's file is checked (library declarations are trusted: skipLibCheck), and the packages
 * behind our public types that a learner never calls (@kubernetes/client-node, undici) are left unresolved,
 * which turns a 1,100-file program into about 90 files. A Checker keeps parsed library files between calls,
 * so watch mode re-parses only the learner's file.
 */
import { readFileSync, statSync } from 'node:fs';
import type * as TS from 'typescript';

export interface Diagnostic {
  kind: 'syntax' | 'type';
  line: number;
  column: number;
  message: string;
}

export interface TypecheckResult {
  diagnostics: Diagnostic[];
  ms: number;
}

/** Declarations the learner's code may use besides ES2023 (the workspace has no @types/node). */
export const GLOBALS_FILE = 'kube-lessons-globals.d.ts';

const UNRESOLVED = /^(@kubernetes\/client-node|undici|undici-types|node:.*|yaml|commander|@inquirer\/.*)$/;

/** What verify needs: the in-process Checker, or the warm checker process through its client. */
export interface TypeChecker {
  check(file: string, globalsFile: string): Promise<TypecheckResult>;
}

export class Checker implements TypeChecker {
  private ts: Promise<typeof TS> | undefined;
  private readonly cache = new Map<string, { mtimeMs: number; sf: TS.SourceFile }>();

  /** Starts loading the compiler now (the warm checker does, before its first request); check() waits for it. */
  preload(): Promise<typeof TS> {
    return (this.ts ??= loadTypescript());
  }

  /** Checks `file` with the globals file beside the workspace root. */
  async check(file: string, globalsFile: string): Promise<TypecheckResult> {
    const started = performance.now();
    const ts = await this.preload();
    const options: TS.CompilerOptions = {
      target: ts.ScriptTarget.ES2023,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      lib: ['lib.es2023.d.ts'],
      types: [],
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      allowImportingTsExtensions: true,
      erasableSyntaxOnly: true,
      verbatimModuleSyntax: true,
      noFallthroughCasesInSwitch: true,
    };
    const host = ts.createCompilerHost(options);
    const read = host.getSourceFile.bind(host);
    host.getSourceFile = (name, languageVersion, onError, shouldCreate) => {
      // The learner's file is read fresh every time; everything else is reused while unchanged.
      if (name === file) return read(name, languageVersion, onError, shouldCreate);
      let mtimeMs: number;
      try {
        mtimeMs = statSync(name).mtimeMs;
      } catch {
        return undefined;
      }
      const hit = this.cache.get(name);
      if (hit && hit.mtimeMs === mtimeMs) return hit.sf;
      const sf = ts.createSourceFile(name, readFileSync(name, 'utf8'), languageVersion);
      this.cache.set(name, { mtimeMs, sf });
      return sf;
    };
    host.resolveModuleNameLiterals = (literals, containing, redirected, opts, sourceFile) =>
      literals.map((l) =>
        UNRESOLVED.test(l.text) && containing !== file
          ? { resolvedModule: undefined }
          : ts.resolveModuleName(l.text, containing, opts, host, undefined, redirected, ts.getModeForUsageLocation(sourceFile, l, opts)),
      );
    host.resolveTypeReferenceDirectiveReferences = (refs) => refs.map(() => ({ resolvedTypeReferenceDirective: undefined }));
    const program = ts.createProgram({ rootNames: [file, globalsFile], options, host });
    const source = program.getSourceFile(file);
    const syntactic = source ? program.getSyntacticDiagnostics(source) : [];
    const diags = syntactic.length ? syntactic : [...program.getOptionsDiagnostics(), ...(source ? program.getSemanticDiagnostics(source) : [])];
    const kind = syntactic.length ? 'syntax' : 'type';
    const diagnostics = diags.map((d): Diagnostic => {
      const pos = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start) : { line: 0, character: 0 };
      return { kind, line: pos.line + 1, column: pos.character + 1, message: ts.flattenDiagnosticMessageText(d.messageText, ' ') };
    });
    return { diagnostics, ms: performance.now() - started };
  }
}

/** typescript is CommonJS: its API is the module's default export when imported from ESM. */
async function loadTypescript(): Promise<typeof TS> {
  const mod = (await import('typescript')) as typeof TS & { default?: typeof TS };
  return mod.default ?? mod;
}
