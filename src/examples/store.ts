/**
 * Controllers II, "the store": the article's store of books keyed by author/title, on the machinery's
 * cache (src/machinery/cache): add two books, get one back by an object with the same key, get one by its
 * key, list the keys; then an indexer with an index by author, queried with byIndex, and kept right through
 * a delete. Each step is handed to `emit` with the call made and what it returned. Needs no cluster.
 */
import { newIndexer, newStore } from '../machinery/cache/cache.ts';
import { DeletedFinalStateUnknown, KeyError } from '../machinery/cache/keys.ts';

export interface Book {
  author: string;
  title: string;
  year: number;
}

export const BOOKS: Book[] = [
  { author: 'Brendan Burns', title: 'Kubernetes: Up and Running', year: 2017 },
  { author: 'Michael Hausenblas', title: 'Programming Kubernetes', year: 2019 },
  { author: 'Brendan Burns', title: 'Designing Distributed Systems', year: 2018 },
];

/** The name of the index by author. */
export const BY_AUTHOR = 'byAuthor';

/**
 * The custom key function: `<author>/<title>` instead of `namespace/name`. Like client-go's key functions it
 * also accepts a tombstone (its key) and a string (already a key), and fails with a KeyError otherwise.
 */
export function bookKey(obj: unknown): string {
  if (obj instanceof DeletedFinalStateUnknown) return obj.key;
  if (typeof obj === 'string') return obj;
  const b = obj as Partial<Book> | null;
  if (!b || typeof b.author !== 'string' || typeof b.title !== 'string' || !b.author || !b.title) {
    throw new KeyError('a book needs an author and a title', obj);
  }
  return `${b.author}/${b.title}`;
}

/** The index function: files each book under its author. */
export function byAuthor(book: Book): string[] {
  return [book.author];
}

/** What one call returned: a book, books, keys, or nothing found. */
export type StoreResult =
  | { kind: 'none' }
  | { kind: 'key'; key: string }
  | { kind: 'book'; book: Book | undefined }
  | { kind: 'books'; books: Book[] }
  | { kind: 'keys'; keys: string[] };

export interface StoreStep {
  n: number;
  /** Which object the call was made on: the plain store or the indexer. */
  on: 'store' | 'indexer';
  /** The call, as code: `add(book)`, `getByKey("...")`. */
  call: string;
  result: StoreResult;
  /** What the step shows. */
  note: string;
}

export interface StoreSummary {
  steps: number;
  storeKeys: number;
  indexerKeys: number;
  authors: number;
}

/** Runs the steps in order, handing each to `emit` as it completes. */
export function runStoreExample(emit: (s: StoreStep) => void): StoreSummary {
  let n = 0;
  const step = (on: StoreStep['on'], call: string, result: StoreResult, note: string) => emit({ n: ++n, on, call, result, note });
  const [upAndRunning, programming, designing] = BOOKS as [Book, Book, Book];

  const store = newStore<Book>(bookKey);
  step('store', 'newStore(bookKey)', { kind: 'none' }, 'a store whose key function files every book under "<author>/<title>" instead of "<namespace>/<name>"');
  for (const book of [upAndRunning, programming]) {
    store.add(book);
    step('store', `add(${describe(book)})`, { kind: 'key', key: bookKey(book) }, 'the key function names the book; the store keeps it under that key');
  }
  const probe = { author: upAndRunning.author, title: upAndRunning.title };
  step(
    'store',
    `get({ author: ${JSON.stringify(probe.author)}, title: ${JSON.stringify(probe.title)} })`,
    { kind: 'book', book: store.get(probe as Book) },
    'get() keys the object it is given, so any object with the same author and title finds the stored book',
  );
  const key = bookKey(programming);
  step(
    'store',
    `getByKey(${JSON.stringify(key)})`,
    { kind: 'book', book: store.getByKey(key) },
    'getByKey() looks the key up directly, as a lister does with "namespace/name"',
  );
  step(
    'store',
    'getByKey("Nobody/Nothing")',
    { kind: 'book', book: store.getByKey('Nobody/Nothing') },
    'an unknown key finds nothing (client-go returns exists=false)',
  );
  const storeKeys = store.listKeys();
  step('store', 'listKeys()', { kind: 'keys', keys: storeKeys }, 'every key the store holds');

  const indexer = newIndexer<Book>(bookKey, { [BY_AUTHOR]: byAuthor });
  step(
    'indexer',
    `newIndexer(bookKey, { ${BY_AUTHOR}: book => [book.author] })`,
    { kind: 'none' },
    'an indexer is a store that also keeps named indices: here author -> keys',
  );
  for (const book of BOOKS) indexer.add(book);
  step(
    'indexer',
    `add() x${BOOKS.length}`,
    { kind: 'keys', keys: indexer.listKeys() },
    'each add also files the key under the values the index function returns',
  );
  step(
    'indexer',
    `byIndex("${BY_AUTHOR}", ${JSON.stringify(upAndRunning.author)})`,
    { kind: 'books', books: indexer.byIndex(BY_AUTHOR, upAndRunning.author) },
    'a lookup in the index, not a scan of every book',
  );
  step('indexer', `listIndexFuncValues("${BY_AUTHOR}")`, { kind: 'keys', keys: indexer.listIndexFuncValues(BY_AUTHOR) }, 'the values the index holds');
  indexer.delete(designing);
  step(
    'indexer',
    `delete(${describe(designing)})`,
    { kind: 'keys', keys: indexer.indexKeys(BY_AUTHOR, designing.author) },
    `the index follows deletes: indexKeys("${BY_AUTHOR}", ${JSON.stringify(designing.author)}) now`,
  );
  step(
    'indexer',
    `byIndex("${BY_AUTHOR}", ${JSON.stringify(upAndRunning.author)})`,
    { kind: 'books', books: indexer.byIndex(BY_AUTHOR, upAndRunning.author) },
    'one book left by that author',
  );
  return { steps: n, storeKeys: storeKeys.length, indexerKeys: indexer.listKeys().length, authors: indexer.listIndexFuncValues(BY_AUTHOR).length };
}

/** `"Programming Kubernetes" (Michael Hausenblas, 2019)` */
export function describe(book: Book): string {
  return `${JSON.stringify(book.title)} (${book.author}, ${book.year})`;
}
