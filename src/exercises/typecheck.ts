/**
 * Type-checks one learner file with the TypeScript compiler API, the way the workspace's tsconfig.json says.
 * Only the learner's file is checked (library declarations are trusted: skipLibCheck), and the packages
 * behind our public types that a learner never calls (@kubernetes/client-node, undici) are left unresolved,
 * which turns a 1,100-file program into about 90 files. A Checker keeps parsed library files between calls,
 * so watch mode re-parses only the learner's file.
 */
import { readFileSync, statSync } from 'node:fs';
import { isBuiltin } from 'node:module';
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
      const message = ts.flattenDiagnosticMessageText(d.messageText, ' ');
      return { kind, line: pos.line + 1, column: pos.character + 1, message: source ? explain(ts, source, d, message) : message };
    });
    // The globals file allows any node:* import (untyped); one that names no built-in module would only fail
    // when the file runs, at a line that is not the import's.
    if (source && !syntactic.length) diagnostics.push(...unknownBuiltins(ts, source));
    diagnostics.sort((a, b) => a.line - b.line || a.column - b.column);
    return { diagnostics, ms: performance.now() - started };
  }
}

/** What an exercise can import, for messages about an import that cannot be. */
export const IMPORTABLE =
  "an exercise can import kube-lessons/core, kube-lessons/machinery, Node's built-in modules as node:NAME (untyped, e.g. node:timers/promises) and .ts files of the workspace; nothing else is installed there";

/** Node's globals the workspace does not declare, and how to get each by import instead. */
const NODE_GLOBALS: Record<string, string> = {
  process: "import process from 'node:process'",
  Buffer: "import { Buffer } from 'node:buffer'",
  setImmediate: "import { setImmediate } from 'node:timers'",
  performance: "import { performance } from 'node:perf_hooks'",
  URL: "import { URL } from 'node:url'",
  TextEncoder: "import { TextEncoder } from 'node:util'",
  TextDecoder: "import { TextDecoder } from 'node:util'",
};

/**
 * TypeScript's message, rewritten where its advice is wrong for this workspace: it suggests installing
 * @types/node (the workspace has none on purpose, and nothing is installed), names a compiler option
 * where the learner wrote a construct we cannot run, or says only "cannot find module".
 */
function explain(ts: typeof TS, source: TS.SourceFile, d: TS.Diagnostic, message: string): string {
  const node = d.start === undefined ? undefined : nodeAt(ts, source, d.start);
  const text = d.start === undefined || d.length === undefined ? '' : source.text.slice(d.start, d.start + d.length);
  // 1294: this syntax is not allowed when 'erasableSyntaxOnly' is enabled.
  if (d.code === 1294) {
    const param = node && findUp(ts, node, ts.isParameter);
    if (param && ts.isConstructorDeclaration(param.parent)) {
      const name = param.name.getText(source);
      const mods = (param.modifiers ?? []).map((m) => m.getText(source)).join(' ');
      const type = param.type ? `: ${param.type.getText(source)}` : '';
      return `a constructor parameter property (\`${param.getText(source)}\`) is not supported here: exercises run with their types stripped, and this one would need code generated; declare the field in the class (\`${mods} ${name}${type};\`) and assign it in the constructor (\`this.${name} = ${name};\`)`;
    }
    if (node && findUp(ts, node, ts.isEnumDeclaration))
      return "an enum is not supported here: exercises run with their types stripped, and an enum is code; use a union of string literals (type Phase = 'Pending' | 'Running') or a const object";
    if (node && findUp(ts, node, ts.isModuleDeclaration))
      return 'a namespace is not supported here: exercises run with their types stripped, and a namespace is code; use plain exported functions and constants';
    return `${message} This file runs with its types stripped, so TypeScript-only syntax that generates code (enums, namespaces, parameter properties, import = require) is not supported here`;
  }
  // 2580/2591/2592/2593: cannot find name; install @types/node (or jquery, or a test runner's types).
  if (d.code >= 2580 && d.code <= 2593 && /@types\//.test(message)) {
    const specifier = node && moduleSpecifier(ts, node);
    if (specifier !== undefined) return importProblem(specifier);
    const how = NODE_GLOBALS[text];
    if (how)
      return `cannot find name '${text}': Node's globals are not declared in this workspace (it has no @types/node); import it instead: \`${how}\` (untyped)`;
    if (['require', 'module', 'exports', '__dirname', '__filename'].includes(text))
      return `cannot find name '${text}': an exercise is an ES module, where '${text}' does not exist; use import (${IMPORTABLE})`;
    return `cannot find name '${text}': the workspace declares ES2023 and a few globals (${GLOBALS_FILE}), not Node's or a browser's; a Node built-in module can be imported as node:NAME (untyped)`;
  }
  // 2307 and 2792: cannot find module.
  if (d.code === 2307 || d.code === 2792) {
    const specifier = node && moduleSpecifier(ts, node);
    if (specifier !== undefined) return importProblem(specifier);
  }
  return message;
}

function importProblem(specifier: string): string {
  if (specifier.startsWith('.')) {
    return `cannot import '${specifier}': no such file beside your exercise (a relative import names a .ts file of the workspace, with its extension)`;
  }
  if (specifier === 'kube-lessons' || specifier.startsWith('kube-lessons/'))
    return `cannot import '${specifier}': kube-lessons exports kube-lessons/core and kube-lessons/machinery only`;
  if (isBuiltin(specifier)) return `cannot import '${specifier}': import Node's built-in modules with the node: prefix ('node:${specifier}')`;
  return `cannot import '${specifier}': ${IMPORTABLE}`;
}

/** Imports of node:NAME where NAME is no built-in module of this Node. */
function unknownBuiltins(ts: typeof TS, source: TS.SourceFile): Diagnostic[] {
  const found: Diagnostic[] = [];
  const visit = (n: TS.Node): void => {
    const specifier = ts.isStringLiteral(n) ? moduleSpecifier(ts, n) : undefined;
    if (specifier?.startsWith('node:') && !isBuiltin(specifier)) {
      const pos = source.getLineAndCharacterOfPosition(n.getStart(source));
      found.push({
        kind: 'type',
        line: pos.line + 1,
        column: pos.character + 1,
        message: `cannot import '${specifier}': Node has no such built-in module; ${IMPORTABLE}`,
      });
    }
    ts.forEachChild(n, visit);
  };
  visit(source);
  return found;
}

/** The module name when `node` is the string of an import, export or import(); else undefined. */
function moduleSpecifier(ts: typeof TS, node: TS.Node): string | undefined {
  if (!ts.isStringLiteralLike(node)) return undefined;
  const p = node.parent;
  if ((ts.isImportDeclaration(p) || ts.isExportDeclaration(p)) && p.moduleSpecifier === node) return node.text;
  if (ts.isCallExpression(p) && p.expression.kind === ts.SyntaxKind.ImportKeyword) return node.text;
  if (ts.isExternalModuleReference(p)) return node.text;
  return undefined;
}

/** The innermost node that starts at `pos` (or spans it). */
function nodeAt(ts: typeof TS, source: TS.SourceFile, pos: number): TS.Node | undefined {
  let found: TS.Node | undefined;
  const visit = (n: TS.Node): void => {
    if (pos < n.getStart(source) || pos >= n.getEnd()) return;
    found = n;
    ts.forEachChild(n, visit);
  };
  ts.forEachChild(source, visit);
  return found;
}

function findUp<T extends TS.Node>(ts: typeof TS, node: TS.Node, is: (n: TS.Node) => n is T): T | undefined {
  for (let n: TS.Node | undefined = node; n && !ts.isSourceFile(n); n = n.parent) if (is(n)) return n;
  return undefined;
}

/** typescript is CommonJS: its API is the module's default export when imported from ESM. */
async function loadTypescript(): Promise<typeof TS> {
  const mod = (await import('typescript')) as typeof TS & { default?: typeof TS };
  return mod.default ?? mod;
}
