/**
 * Shell completion. The scripts `kube-lessons completion bash|zsh|fish` prints are thin: on each Tab they run
 * `kube-lessons __complete <words so far> <current word>` and offer what it prints, one candidate a line.
 * The candidates come from the program itself (commands, options, -o values), from the kubeconfig the line
 * would use (contexts and namespaces, read from the files, no server asked) and from the lesson catalog, so
 * the scripts never go stale. Like cobra's `__complete`, it never fails: an unreadable kubeconfig offers nothing.
 */
import { readdirSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Command, Option } from 'commander';
import { OUTPUT_FORMATS } from '../console/formats.ts';

export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];

type Candidates = string[] | Promise<string[]>;

export interface CompletionSources {
  contexts(kubeconfig: string | undefined): Candidates;
  namespaces(kubeconfig: string | undefined): Candidates;
  lessons(): Candidates;
  exercises(): Candidates;
  resources(): Candidates;
}

/**
 * The candidates for the last of `words` (the word being completed, maybe empty), given the words before it.
 * Shells that split `-n=x` at "=" hand over "=" as a word of its own: it is joined back first.
 */
export async function complete(program: Command, rawWords: string[], sources: CompletionSources): Promise<string[]> {
  const words = joinEquals(rawWords);
  const current = words.pop() ?? '';
  // bash completes the word after "=" on its own: offer "json", not "-o=json", then.
  const splitByShell = rawWords.length >= 2 && rawWords[rawWords.length - 2] === '=';
  let cmd = program;
  let kubeconfig: string | undefined;
  let positional = 0;
  let pendingValue: Option | undefined;
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (pendingValue) {
      if (pendingValue.long === '--kubeconfig') kubeconfig = w;
      pendingValue = undefined;
      continue;
    }
    if (w.startsWith('-') && w !== '-') {
      const [flag, value] = splitFlag(w);
      const opt = findOption(cmd, flag);
      if (opt && (opt.required || opt.optional) && value === undefined) pendingValue = opt;
      if (opt?.long === '--kubeconfig' && value !== undefined) kubeconfig = value;
      continue;
    }
    const sub = cmd.commands.find((c) => c.name() === w || c.aliases().includes(w));
    if (sub && positional === 0) cmd = sub;
    else positional++;
  }

  const byPrefix = (list: string[], prefix = current) => [...new Set(list)].filter((c) => c.startsWith(prefix)).sort();
  // The value of an option: "-o <Tab>" or "-o=<Tab>".
  const [flag, inlineValue] = current.startsWith('-') ? splitFlag(current) : ['', undefined];
  const valueFor = pendingValue ?? (inlineValue !== undefined ? findOption(cmd, flag) : undefined);
  if (valueFor) {
    const prefix = inlineValue ?? current;
    const lead = inlineValue !== undefined && !splitByShell ? `${flag}=` : '';
    return (await optionValues(valueFor, prefix, kubeconfig, sources)).map((v) => lead + v);
  }
  if (current.startsWith('-')) {
    return byPrefix(allOptions(cmd).flatMap((o) => [o.long, o.short].filter((f): f is string => Boolean(f))));
  }
  const subcommands = positional === 0 ? cmd.commands.filter((c) => !(c as unknown as { _hidden?: boolean })._hidden).map((c) => c.name()) : [];
  const arg = cmd.registeredArguments[positional];
  const argValues = !arg ? [] : (arg.argChoices ?? (await positionalValues(arg.name(), sources)));
  return byPrefix([...subcommands, ...argValues]);
}

async function optionValues(opt: Option, prefix: string, kubeconfig: string | undefined, sources: CompletionSources): Promise<string[]> {
  const filter = (list: string[]) => [...new Set(list)].filter((v) => v.startsWith(prefix)).sort();
  if (opt.argChoices) return filter(opt.argChoices);
  switch (opt.long) {
    case '--output':
      return filter([...OUTPUT_FORMATS]);
    case '--context':
      return filter(await quietly(() => sources.contexts(kubeconfig)));
    case '--namespace':
      return filter(await quietly(() => sources.namespaces(kubeconfig)));
    case '--kubeconfig':
      return files(prefix);
    default:
      return [];
  }
}

async function positionalValues(name: string, sources: CompletionSources): Promise<string[]> {
  switch (name) {
    case 'lesson':
      return quietly(() => sources.lessons());
    case 'exercise':
      return quietly(() => sources.exercises());
    case 'resource':
      return quietly(() => sources.resources());
    case 'verb':
      return ['get', 'list'];
    default:
      return [];
  }
}

/** A broken kubeconfig or catalog offers nothing rather than an error in the middle of a command line. */
async function quietly(source: () => Candidates): Promise<string[]> {
  try {
    return await source();
  } catch {
    return [];
  }
}

/** The options a command accepts: its own, then those of every command above it (the global ones). */
function allOptions(cmd: Command): Option[] {
  const out: Option[] = [];
  for (let c: Command | null = cmd; c; c = c.parent) out.push(...c.options.filter((o) => !o.hidden && (c === cmd || o.long !== '--version')));
  if (!out.some((o) => o.long === '--help')) out.push({ long: '--help', short: '-h' } as Option);
  return out;
}

function findOption(cmd: Command, flag: string): Option | undefined {
  return allOptions(cmd).find((o) => o.long === flag || o.short === flag);
}

function splitFlag(word: string): [string, string | undefined] {
  const eq = word.indexOf('=');
  return eq < 0 ? [word, undefined] : [word.slice(0, eq), word.slice(eq + 1)];
}

function joinEquals(words: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (w === '=' && out.length && out[out.length - 1]!.startsWith('-')) out[out.length - 1] += '=' + (words[i + 1] ?? '');
    else {
      out.push(w);
      continue;
    }
    i++;
  }
  return out;
}

function files(prefix: string): string[] {
  const dir = prefix.endsWith('/') ? prefix : dirname(prefix);
  const start = prefix.endsWith('/') ? '' : basename(prefix);
  const shownDir = prefix.endsWith('/') ? prefix : dir === '.' && !prefix.startsWith('./') ? '' : dir.endsWith('/') ? dir : `${dir}/`;
  try {
    return readdirSync(dir || '.')
      .filter((f) => f.startsWith(start) && (start.startsWith('.') || !f.startsWith('.')))
      .map((f) => shownDir + f + (isDir(join(dir, f)) ? '/' : ''))
      .sort();
  } catch {
    return [];
  }
}

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** Candidates from the kubeconfig files (never the server), the lesson and exercise catalogs and the built-in resources. */
export function defaultSources(env: NodeJS.ProcessEnv = process.env): CompletionSources {
  const merged = async (kubeconfig: string | undefined) => {
    const { kubeconfigFiles, mergeFiles } = await import('../core/kubeconfig.ts');
    const found = kubeconfigFiles({ kubeconfig, env });
    return found ? mergeFiles(found.files) : undefined;
  };
  return {
    contexts: async (kubeconfig) => (await merged(kubeconfig))?.contexts?.map((c) => c.name) ?? [],
    namespaces: async (kubeconfig) => [
      'default',
      'kube-system',
      ...((await merged(kubeconfig))?.contexts ?? []).map((c) => c.context?.namespace).filter((n): n is string => typeof n === 'string' && n !== ''),
    ],
    lessons: async () => (await import('../lessons/catalog.ts')).loadCatalog().lessons.map((l) => l.id),
    exercises: async () => (await import('../exercises/catalog.ts')).loadExerciseCatalog().exercises.map((e) => e.id),
    resources: async () => [...Object.keys((await import('../core/resources.ts')).BUILTIN_RESOURCES), 'foos'],
  };
}

/** The script for one shell; it calls back into `kube-lessons __complete`. */
export function completionScript(shell: Shell): string {
  switch (shell) {
    case 'bash':
      return `# kube-lessons completion for bash: source <(kube-lessons completion bash)
_kube_lessons() {
  local IFS=$'\\n'
  COMPREPLY=($(kube-lessons __complete "\${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null))
  # A directory offered for --kubeconfig is a step on the way, not the end: no space after it.
  [[ \${#COMPREPLY[@]} -eq 1 && \${COMPREPLY[0]} == */ ]] && compopt -o nospace 2>/dev/null
  return 0
}
complete -F _kube_lessons kube-lessons
`;
    case 'zsh':
      return `#compdef kube-lessons
# kube-lessons completion for zsh: source <(kube-lessons completion zsh)
_kube_lessons() {
  local -a candidates
  candidates=("\${(@f)$(kube-lessons __complete "\${(@)words[2,CURRENT]}" 2>/dev/null)}")
  candidates=(\${candidates:#})
  (( \${#candidates} )) && compadd -a candidates && return 0
  return 1
}
if (( $+functions[compdef] )); then compdef _kube_lessons kube-lessons; fi
`;
    case 'fish':
      return `# kube-lessons completion for fish: kube-lessons completion fish | source
complete -c kube-lessons -f -a '(kube-lessons __complete (commandline -opc)[2..-1] (commandline -ct) 2>/dev/null)'
`;
  }
}
