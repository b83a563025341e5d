/** Options and arguments parsed once, by commander, into values: what actions receive, and the usage errors. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Command } from 'commander';
import fc from 'fast-check';
import { keyValueOption, listOption, oneOf, pathNameParser } from '../../../src/console/arguments.ts';
import { createProgram, loadCommands } from '../../../src/cli/program.ts';
import { findCommand } from '../../../src/lessons/runner.ts';
import { SCENARIO_NAMES } from '../../../src/examples/workqueue.ts';
import { ExitCode, UserFacingError } from '../../../src/core/errors.ts';

function parse(cmd: Command, argv: string[]): Record<string, unknown> {
  cmd.exitOverride().action(() => {});
  cmd.parse(argv, { from: 'user' });
  return cmd.opts();
}

const usage = (message: RegExp) => (err: unknown) => err instanceof UserFacingError && err.exitCode === ExitCode.usage && message.test(err.message);

test('a repeated key=value option collects one record; a value may hold "=" or be empty', () => {
  const opts = parse(new Command().addOption(keyValueOption('--label <key=value>', 'l')), ['--label', 'a=1', '--label', 'b=x=y', '--label', 'c=']);
  assert.deepEqual(opts.label, { a: '1', b: 'x=y', c: '' });
  assert.deepEqual(parse(new Command().addOption(keyValueOption('--label <key=value>', 'l')), []).label, {});
  for (const bad of ['nokey', '=v'])
    assert.throws(
      () => parse(new Command().addOption(keyValueOption('--node-selector <key=value>', 'n')), ['--node-selector', bad]),
      usage(/--node-selector ".*" is not key=value/),
    );
});

test('a comma-separated list drops blanks, and an empty one is a usage error', () => {
  assert.deepEqual(parse(new Command().addOption(listOption('--items <list>', 'i', 'a,b')), ['--items', ' a, b,,c ']).items, ['a', 'b', 'c']);
  assert.throws(() => parse(new Command().addOption(listOption('--items <list>', 'i', 'a,b')), ['--items', ',']), usage(/^--items has no items$/));
});

test('oneOf takes a choice in any case, and names what it expected otherwise', () => {
  const verb = oneOf('verb', ['get', 'list'] as const, 'get or list');
  assert.equal(verb('LIST'), 'list');
  assert.throws(() => verb('watch'), usage(/^unknown verb "watch"$/));
});

test('the workqueue command accepts every scenario the lesson has, and only those', async () => {
  await loadCommands(['workqueue']);
  const scenario = findCommand(createProgram({ version: '0', signal: new AbortController().signal }), ['workqueue'])!.options.find(
    (o) => o.long === '--scenario',
  )!;
  for (const name of SCENARIO_NAMES) assert.equal(scenario.parseArg!(name, undefined), name);
  assert.throws(() => scenario.parseArg!('nope', undefined), usage(/^unknown scenario "nope"$/));
});

/** The program's --request-timeout option, whose parser is under test. */
function requestTimeoutOption() {
  return createProgram({ version: '0', signal: new AbortController().signal }).options.find((o) => o.long === '--request-timeout')!;
}

test('--request-timeout is parsed once, to milliseconds, and a bad one is a usage error', () => {
  const option = requestTimeoutOption();
  assert.equal(option.defaultValue, 30_000);
  assert.equal(option.parseArg!('1.5s', undefined), 1500);
  assert.throws(() => option.parseArg!('soon', undefined), usage(/^invalid duration "soon"$/));
});

test('--request-timeout takes what kubectl takes: bare seconds, 0 for none, and units in sequence like 1m30s', () => {
  const option = requestTimeoutOption();
  assert.equal(option.parseArg!('5', undefined), 5000);
  assert.equal(option.parseArg!('0', undefined), 0);
  assert.equal(option.parseArg!('1m30s', undefined), 90_000);
  assert.equal(option.parseArg!('1h2m3s500ms', undefined), 3_723_500);
  assert.throws(() => option.parseArg!('-1', undefined), usage(/^invalid duration "-1"$/));
  assert.throws(() => option.parseArg!('1m30', undefined), usage(/^invalid duration "1m30"$/));
});

test("--request-timeout reads every duration Go's ParseDuration reads: .5s, 1.s, +1s, us and ns, a sub-millisecond one as 1 ms", () => {
  const option = requestTimeoutOption();
  assert.equal(option.parseArg!('.5s', undefined), 500);
  assert.equal(option.parseArg!('1.s', undefined), 1000);
  assert.equal(option.parseArg!('+1s', undefined), 1000);
  assert.equal(option.parseArg!('1500us', undefined), 2);
  assert.equal(option.parseArg!('1s500000µs', undefined), 1500);
  // Not 0, which would mean no timeout at all.
  assert.equal(option.parseArg!('100ns', undefined), 1);
  assert.throws(() => option.parseArg!('-1s', undefined), usage(/^invalid duration "-1s"$/));
  assert.throws(() => option.parseArg!('1e3s', undefined), usage(/^invalid duration "1e3s"$/));
  assert.throws(() => option.parseArg!('.s', undefined), usage(/^invalid duration ".s"$/));
});

test('a label selector the API server would refuse is a usage error naming where it broke, before any request', async () => {
  const commands = ['list-nodes', 'watch', 'informer', 'trace'];
  await loadCommands(commands);
  const program = createProgram({ version: '0', signal: new AbortController().signal });
  for (const name of commands) {
    const selector = findCommand(program, [name])!.options.find((o) => o.long === '--selector')!;
    assert.equal(selector.parseArg!('env in (dev, qa),!legacy', undefined), 'env in (dev, qa),!legacy', name);
    assert.throws(() => selector.parseArg!('a in (b', undefined), usage(/^invalid label selector "a in \(b": expected "," or "\)", found end of input$/), name);
    assert.throws(() => selector.parseArg!('!!', undefined), usage(/^invalid label selector "!!"/), name);
  }
});

test('a duration longer than a Node timer holds is a usage error, not a timer that fires after 1 ms', () => {
  const option = requestTimeoutOption();
  assert.equal(option.parseArg!('596h', undefined), 596 * 3_600_000);
  assert.throws(() => option.parseArg!('99999999999h', undefined), usage(/^--request-timeout 99999999999h is too long: at most 596h \(24 days\)$/));
});

test('trace refuses a name that would address another object in the URL path, as client-go does', async () => {
  await loadCommands(['trace']);
  const name = findCommand(createProgram({ version: '0', signal: new AbortController().signal }), ['trace'])!.registeredArguments[2]!;
  assert.equal(name.parseArg!('my-pod', undefined), 'my-pod');
  for (const bad of ['', '..', 'a/b', 'a%2Fb']) assert.throws(() => name.parseArg!(bad, undefined), usage(/^invalid name /), bad);
});

test('a name for a URL path refuses what would address another object: "", ".", "..", "/" and "%" (an optional one may be empty)', () => {
  const required = pathNameParser('pod', { optional: false });
  const optional = pathNameParser('namespace', { optional: true });
  assert.throws(() => required(''), usage(/^invalid pod "": a name may not be empty$/));
  assert.equal(optional(''), '');
  assert.throws(() => optional('.'), usage(/^invalid namespace "\.": a name may not be "\."$/));
  assert.throws(() => optional('..'), usage(/^invalid namespace "\.\.": a name may not be "\.\."$/));
  assert.throws(() => required('a/b%c'), usage(/a name may not contain "\/"$/));
  assert.throws(() => required('a%2Fb'), usage(/a name may not contain "%"$/));
});

test('any other name goes into the path as it was written (property)', () => {
  const parse = pathNameParser('pod', { optional: false });
  fc.assert(
    fc.property(
      fc.string({ minLength: 1 }).filter((s) => !/[/%]/.test(s) && s !== '.' && s !== '..'),
      (name) => assert.equal(parse(name), name),
    ),
  );
});
