/**
 * The shipped catalog (lessons/catalog.json and its Markdown) against the code it points at: every command
 * a lesson runs must exist in the CLI, every source reference must name an exported declaration, every
 * text must exist, every question must have exactly one right answer. One test per reference, so a
 * failure names exactly what is missing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createProgram, loadCommands } from '../../../src/cli/program.ts';
import { commandLine, DEFAULT_LESSONS_DIR, loadCatalog, type CommandSpec, type Lesson } from '../../../src/lessons/catalog.ts';
import { findCommand } from '../../../src/lessons/runner.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const catalog = loadCatalog();
await loadCommands();
const program = createProgram({ version: '0.0.0-test', signal: new AbortController().signal });

/** True when `text` declares `symbol` with `export` (function, class, const, interface, type...) or re-exports it. */
function exportsSymbol(text: string, symbol: string): boolean {
  const name = symbol.replace(/\$/g, '\\$');
  const declaration = new RegExp(
    `^export\\s+(?:declare\\s+)?(?:default\\s+)?(?:async\\s+)?(?:abstract\\s+)?(?:function\\*?|class|const|let|var|interface|type|enum)\\s+${name}\\b`,
    'm',
  );
  const list = new RegExp(`^export\\s+(?:type\\s+)?\\{[^}]*\\b${name}\\b[^}]*\\}`, 'm');
  return declaration.test(text) || list.test(text);
}

test('the catalog is read from lessons/ at the package root and passes validation', () => {
  assert.equal(DEFAULT_LESSONS_DIR.replace(/\/$/, ''), join(ROOT, 'lessons'));
  assert.equal(catalog.formatVersion, 1);
  assert.ok(catalog.welcome.trim().length > 0);
  assert.ok(catalog.closing.trim().length > 0);
});

test('eight lessons, numbered 1 to 8 in order, with unique ids and files named NN-<id>.md', () => {
  assert.deepEqual(
    catalog.lessons.map((l) => l.number),
    [1, 2, 3, 4, 5, 6, 7, 8],
  );
  const ids = catalog.lessons.map((l) => l.id);
  assert.equal(new Set(ids).size, ids.length, `ids repeat: ${ids.join(', ')}`);
  for (const l of catalog.lessons) assert.equal(l.file, `${String(l.number).padStart(2, '0')}-${l.id}.md`);
});

test('the lessons follow the two blog series in order', () => {
  assert.deepEqual(
    catalog.lessons.map((l) => l.article),
    [
      'Learning Go with Kubernetes I',
      'Learning Go with Kubernetes II',
      'Learning Go with Kubernetes III',
      'Learning Go with Kubernetes IV',
      'Understanding Kubernetes controllers I',
      'Understanding Kubernetes controllers II',
      'Understanding Kubernetes controllers III',
      'Understanding Kubernetes controllers IV',
    ],
  );
});

function commandsOf(lesson: Lesson): { role: string; spec: CommandSpec }[] {
  return [
    ...lesson.commands.map((spec) => ({ role: 'runs', spec })),
    ...lesson.cleanup.map((spec) => ({ role: 'cleans up with', spec })),
    ...(lesson.task?.cleanup ?? []).map((spec) => ({ role: 'cleans up its task with', spec })),
  ];
}

for (const lesson of catalog.lessons) {
  const label = `lesson ${lesson.number} (${lesson.id})`;

  for (const { role, spec } of commandsOf(lesson)) {
    test(`${label} ${role} \`${commandLine(spec)}\`, which the CLI has`, () => {
      const cmd = findCommand(program, spec.argv);
      assert.ok(cmd, `the CLI has no command for \`${commandLine(spec)}\` (createProgram registers: ${program.commands.map((c) => c.name()).join(', ')})`);
    });
  }

  for (const { file, symbol } of lesson.sources) {
    test(`${label} points at ${file} → ${symbol}, an exported declaration`, () => {
      const path = join(ROOT, file);
      assert.ok(existsSync(path), `${file} does not exist`);
      assert.ok(exportsSymbol(readFileSync(path, 'utf8'), symbol), `${file} does not export ${symbol}`);
    });
  }

  test(`${label}: its text exists, is not empty, names its sources, and shows Go next to TypeScript`, () => {
    const path = join(catalog.dir, lesson.file);
    assert.ok(existsSync(path), `${lesson.file} does not exist`);
    assert.ok(statSync(path).size > 0, `${lesson.file} is empty`);
    const text = readFileSync(path, 'utf8');
    assert.ok(text.trim().length > 500, `${lesson.file} is too short to be a lesson`);
    for (const s of lesson.sources) {
      assert.ok(text.includes(s.file), `${lesson.file} never names ${s.file}`);
      assert.ok(text.includes(s.symbol), `${lesson.file} never names ${s.symbol}`);
    }
    assert.match(text, /```go\n/, `${lesson.file} has no Go snippet`);
    assert.match(text, /```ts\n/, `${lesson.file} has no TypeScript snippet`);
    // Code blocks are opened and closed in pairs.
    assert.equal((text.match(/^```/gm) ?? []).length % 2, 0, `${lesson.file} has an unclosed code block`);
  });

  test(`${label}: every checkpoint question has exactly one right answer and an explanation`, () => {
    assert.ok(lesson.questions.length >= 1);
    for (const [i, q] of lesson.questions.entries()) {
      const at = `question ${i + 1} ("${q.prompt}")`;
      assert.ok(q.choices.length >= 2, `${at} has fewer than two choices`);
      assert.ok(
        Number.isInteger(q.answer) && q.answer >= 0 && q.answer < q.choices.length,
        `${at}: answer ${q.answer} is not one of its ${q.choices.length} choices`,
      );
      assert.equal(new Set(q.choices).size, q.choices.length, `${at} repeats a choice, so more than one would be right`);
      assert.ok(q.explanation.trim().length > 0, `${at} has no explanation`);
    }
  });

  test(`${label}: hints, concepts and a summary are given`, () => {
    assert.ok(lesson.hints.length > 0 && lesson.hints.every((h) => h.trim().length > 0), 'hints must be non-empty');
    assert.ok(lesson.concepts.length > 0);
    assert.ok(lesson.summary.trim().length > 0);
  });

  test(`${label}: cluster flags agree with its commands`, () => {
    if (lesson.changesCluster) {
      assert.ok(lesson.needsCluster, 'a lesson that changes the cluster needs one');
      assert.ok(lesson.cleanup.length > 0, 'a lesson that changes the cluster says how to undo it');
      assert.ok(lesson.changeSummary, 'a lesson that changes the cluster says what it changes');
    }
    if (lesson.task && lesson.task.check.type !== 'cluster-reachable') assert.ok(lesson.needsCluster, 'a task checked in the cluster needs one');
  });
}

test('the commands that need no cluster are exactly the workqueue lesson (it must run anywhere)', () => {
  assert.deepEqual(
    catalog.lessons.filter((l) => !l.needsCluster).map((l) => l.id),
    ['workqueue'],
  );
});

test('exportsSymbol recognises the forms of export', () => {
  assert.ok(exportsSymbol('export class Foo {}', 'Foo'));
  assert.ok(exportsSymbol('export async function go() {}', 'go'));
  assert.ok(exportsSymbol('export const x = 1;', 'x'));
  assert.ok(exportsSymbol('export interface Store<T> {}', 'Store'));
  assert.ok(exportsSymbol("export { WorkQueue, newQueue } from './queue.ts';", 'newQueue'));
  assert.ok(!exportsSymbol('class Foo {}', 'Foo'));
  assert.ok(!exportsSymbol('export class FooBar {}', 'Foo'));
  assert.ok(!exportsSymbol('// export class Foo', 'Foo'));
});
