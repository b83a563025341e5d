/** The catalog format's validation, on the fixture catalog and broken copies of it. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserFacingError } from '../../../src/core/errors.ts';
import { commandLine, findLesson, loadCatalog, nextLesson, parseCatalog } from '../../../src/lessons/catalog.ts';
import { FIXTURE_DIR } from './helpers.ts';
import { tempDir } from '../../helpers/temp-dir.ts';

const fixture = (): Record<string, unknown> & { lessons: Record<string, unknown>[] } =>
  JSON.parse(readFileSync(join(FIXTURE_DIR, 'catalog.json'), 'utf8')) as ReturnType<typeof fixture>;

function problems(mutate: (raw: ReturnType<typeof fixture>) => void): string[] {
  const raw = fixture();
  mutate(raw);
  return parseCatalog(raw, FIXTURE_DIR).problems;
}

test('the fixture catalog loads, with commands normalised to {argv, stopAfterSeconds}', () => {
  const c = loadCatalog(FIXTURE_DIR);
  assert.deepEqual(
    c.lessons.map((l) => l.id),
    ['alpha', 'beta', 'gamma'],
  );
  assert.deepEqual(c.lessons[0]!.commands, [{ argv: ['fake', 'hello'] }]);
  assert.deepEqual(c.lessons[2]!.commands, [{ argv: ['fake', 'stream'], stopAfterSeconds: 0.2 }]);
  assert.deepEqual(c.lessons[1]!.cleanup, [{ argv: ['fake', 'undo'] }]);
  assert.deepEqual(c.lessons[1]!.task?.check, { type: 'pod-exists', namespace: 'lessons', name: 'web-1' });
});

test('lessons are found by number or id; the next one follows in order', () => {
  const c = loadCatalog(FIXTURE_DIR);
  assert.equal(findLesson(c, '2')?.id, 'beta');
  assert.equal(findLesson(c, '02')?.id, 'beta');
  assert.equal(findLesson(c, 'Gamma')?.id, 'gamma');
  assert.equal(findLesson(c, '4'), undefined);
  assert.equal(findLesson(c, 'delta'), undefined);
  assert.equal(nextLesson(c, c.lessons[0]!)?.id, 'beta');
  assert.equal(nextLesson(c, c.lessons[2]!), undefined);
});

test('command lines are shown as a shell would take them', () => {
  assert.equal(commandLine(['workqueue', '--scenario', 'dedup']), 'kube-lessons workqueue --scenario dedup');
  assert.equal(commandLine({ argv: ['create-pod', '--label', 'a b'] }), "kube-lessons create-pod --label 'a b'");
});

test('duplicate ids and numbers out of order are reported', () => {
  const found = problems((raw) => {
    raw.lessons[1]!.id = 'alpha';
    raw.lessons[2]!.number = 7;
  });
  assert.ok(
    found.some((p) => /lessons\[1\]\.id: "alpha" is used by another lesson/.test(p)),
    found.join('\n'),
  );
  assert.ok(
    found.some((p) => /lessons\[2\]\.number: expected 3/.test(p)),
    found.join('\n'),
  );
});

test('a question needs exactly one right answer among distinct choices', () => {
  assert.ok(
    problems((raw) => ((raw.lessons[0]!.questions as { answer: number }[])[0]!.answer = 3)).some((p) =>
      /questions\[0\]\.answer: must be the index of the one right choice \(0\.\.2\), found 3/.test(p),
    ),
  );
  assert.ok(problems((raw) => ((raw.lessons[0]!.questions as { answer: unknown }[])[0]!.answer = '1')).some((p) => /answer/.test(p)));
  assert.ok(
    problems((raw) => ((raw.lessons[0]!.questions as { choices: string[] }[])[0]!.choices = ['hello', 'hello'])).some((p) =>
      /two choices read the same/.test(p),
    ),
  );
  assert.ok(problems((raw) => ((raw.lessons[0]!.questions as { choices: string[] }[])[0]!.choices = ['only'])).some((p) => /at least two choices/.test(p)));
  assert.ok(
    problems((raw) => ((raw.lessons[0]!.questions as { explanation: string }[])[0]!.explanation = ' ')).some((p) =>
      /explanation: must be a non-empty string/.test(p),
    ),
  );
  assert.ok(problems((raw) => (raw.lessons[0]!.questions = [])).some((p) => /at least one checkpoint question/.test(p)));
});

test('hints, concepts and sources must be given', () => {
  assert.ok(problems((raw) => (raw.lessons[0]!.hints = [])).some((p) => /lessons\[0\]\.hints: must be a non-empty list/.test(p)));
  assert.ok(problems((raw) => (raw.lessons[0]!.hints = [''])).some((p) => /lessons\[0\]\.hints\[0\]: must be a non-empty string/.test(p)));
  assert.ok(problems((raw) => (raw.lessons[0]!.sources = [{ file: 'lib/x.js', symbol: 'x' }])).some((p) => /must be a \.ts file under src\//.test(p)));
  assert.ok(problems((raw) => (raw.lessons[0]!.sources = [{ file: 'src/x.ts', symbol: 'not a name' }])).some((p) => /is not an identifier/.test(p)));
});

test('a lesson that changes the cluster must say how to undo it, and what it changes', () => {
  const found = problems((raw) => {
    delete raw.lessons[1]!.cleanup;
    delete raw.lessons[1]!.changeSummary;
  });
  assert.ok(found.some((p) => /lessons\[1\]\.cleanup: a lesson that changes the cluster must say how to undo it/.test(p)));
  assert.ok(found.some((p) => /lessons\[1\]\.changeSummary/.test(p)));
  assert.ok(problems((raw) => (raw.lessons[0]!.cleanup = [['fake', 'undo']])).some((p) => /only lessons that change the cluster/.test(p)));
});

test('commands must be argv lists starting with a subcommand; time limits are bounded', () => {
  assert.ok(problems((raw) => (raw.lessons[0]!.commands = [])).some((p) => /commands: must list at least one command/.test(p)));
  assert.ok(problems((raw) => (raw.lessons[0]!.commands = ['fake hello'])).some((p) => /commands\[0\]: must be a non-empty argv list/.test(p)));
  assert.ok(problems((raw) => (raw.lessons[0]!.commands = [['--yes']])).some((p) => /must start with a subcommand/.test(p)));
  assert.ok(problems((raw) => (raw.lessons[0]!.commands = [{ argv: ['fake'], stopAfterSeconds: 0 }])).some((p) => /stopAfterSeconds/.test(p)));
});

test('checks are validated by type', () => {
  const task = (check: unknown) => (raw: ReturnType<typeof fixture>) => ((raw.lessons[1]!.task as { check: unknown }).check = check);
  assert.ok(problems(task({ type: 'file-exists' })).some((p) => /unknown check "file-exists"/.test(p)));
  assert.ok(problems(task({ type: 'pod-exists', namespace: 'Bad_NS', name: 'x' })).some((p) => /"Bad_NS" is not a valid Kubernetes name/.test(p)));
  assert.ok(
    problems(task({ type: 'resource-exists', apiVersion: 'apps/v1', kind: 'Deployment', name: 'x', fields: { 'spec.replicas': [3] } })).some((p) =>
      /fields\.spec\.replicas: must be a string, number or boolean/.test(p),
    ),
  );
  assert.deepEqual(
    problems(
      task({
        type: 'resource-exists',
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        namespace: 'default',
        name: 'x',
        ownedBy: { kind: 'Foo', name: 'x' },
        fields: { 'spec.replicas': 3 },
      }),
    ),
    [],
  );
  assert.deepEqual(problems(task({ type: 'cluster-reachable' })), []);
});

test('the format version and the top-level texts are required', () => {
  assert.ok(problems((raw) => (raw.formatVersion = 2)).some((p) => /formatVersion: expected 1, found 2/.test(p)));
  assert.ok(problems((raw) => delete raw.welcome).some((p) => /^welcome:/.test(p)));
  assert.deepEqual(parseCatalog([], FIXTURE_DIR).problems, ['the catalog must be a JSON object']);
});

test('loading a broken catalog fails with one error listing the problems', () => {
  const dir = tempDir('kube-lessons-catalog-');
  const raw = fixture();
  raw.lessons[0]!.hints = [];
  writeFileSync(join(dir, 'catalog.json'), JSON.stringify(raw));
  assert.throws(
    () => loadCatalog(dir),
    (err: UserFacingError) => err.exitCode === 3 && /lessons\[0\]\.hints/.test(err.message),
  );
  writeFileSync(join(dir, 'catalog.json'), '{');
  assert.throws(() => loadCatalog(dir), /is not valid JSON/);
  assert.throws(() => loadCatalog(join(dir, 'nowhere')), /cannot read the lesson catalog/);
});
