/** `kube-lessons store`: controllers II, the article's store of books keyed by author/title, then an index by author. Needs no cluster. */
import type { Command } from 'commander';
import type { CommandContext } from '../../console/context.ts';
import type { StoreResult, StoreStep } from '../../examples/store.ts';

export function register(command: Command, ctx: () => CommandContext): void {
  command.addHelpText('after', '\nExamples:\n  $ kube-lessons store\n  $ kube-lessons store -o json').action(async () => {
    const c = ctx();
    const { runStoreExample, describe } = await import('../../examples/store.ts');
    const json = c.format === 'json' || c.format === 'yaml';
    const { bold, dim, cyan } = c.out.color;
    const summary = runStoreExample((s: StoreStep) => {
      if (json) {
        c.out.line(JSON.stringify(s));
        return;
      }
      c.out.line(`${bold(`[${s.n}]`.padEnd(5))}${cyan(`${s.on}.${s.call}`)}`);
      for (const line of result(s.result, describe)) c.out.line(`     -> ${line}`);
      c.out.line(dim(`     ${s.note}`));
    });
    const text = `summary: ${summary.steps} steps; the store holds ${summary.storeKeys} books, the indexer ${summary.indexerKeys} under ${summary.authors} authors`;
    c.out.line(json ? JSON.stringify({ summary }) : text);
  });
}

function result(r: StoreResult, describe: (b: { author: string; title: string; year: number }) => string): string[] {
  switch (r.kind) {
    case 'none':
      return [];
    case 'key':
      return [`key ${JSON.stringify(r.key)}`];
    case 'book':
      return [r.book ? describe(r.book) : 'not found'];
    case 'books':
      return r.books.length ? r.books.map(describe) : ['no books'];
    case 'keys':
      return r.keys.length ? [r.keys.map((k) => JSON.stringify(k)).join(', ')] : ['(none)'];
  }
}
