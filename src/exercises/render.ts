/** How verify outcomes, lists and hints look: strings only, apart from gathering them. */
import type { Colors } from '../console/colors.ts';
import type { Exercise, ExerciseCatalog } from './catalog.ts';
import { isPassed, type ProgressLike } from './progress.ts';
import type { Location, Problem, VerifyOutcome } from './verify.ts';

/** An exercise as the next-step lines name it: number, id and the learner's file. */
export function exerciseLabel(e: Exercise): string {
  return `exercise ${e.number} ${e.id} (${e.file})`;
}

/** What watch, verify and exercise list say once every exercise passes. */
export function allPassedLine(catalog: ExerciseCatalog): string {
  return `All ${catalog.exercises.length} exercises pass. Well done!`;
}

const at = (l: Location | undefined) => (l ? `${l.file}:${l.line}${l.column ? `:${l.column}` : ''}` : '');

function problemText(p: Problem): string {
  return `${p.message}${p.location ? ` (${at(p.location)})` : ''} (hint: ${p.hint})`;
}

/**
 * One line per expectation, the first failure with expected vs got and the learner's file:line. A file
 * that never ran (missing, syntax or type error) is one line: where, what, and a hint. Under a failure,
 * the last lines the learner's code printed (already bounded and redacted by verify); with `output`, under
 * a pass too.
 */
export function renderOutcome(o: VerifyOutcome, total: number, c: Colors, opts: { output?: boolean } = {}): string[] {
  const e = o.exercise;
  const name = `${e.number}/${total} ${e.id}`;
  const ran = o.results.some((r) => r.status !== 'not-run');
  const printed = o.status !== 'passed' || opts.output ? renderOutput(o, c) : [];
  if (!ran && o.problem) {
    const p = o.problem;
    return [`${c.red('✗')} ${name}: ${p.location ? `${at(p.location)}: ` : ''}${p.message} (hint: ${p.hint})`, ...printed];
  }
  const lines = [c.bold(`Exercise ${name}: ${e.file}`)];
  for (const r of o.results) {
    if (r.status === 'pass') lines.push(`  ${c.green('✓')} ${r.text}`);
    else if (r.status === 'fail') lines.push(`  ${c.red('✗')} ${r.text}: ${problemText(r.problem!)}`);
    else lines.push(c.dim(`  · ${r.text} (not checked yet)`));
  }
  if (o.problem) lines.push(`  ${c.red('✗')} ${problemText(o.problem)}`);
  if (o.status === 'passed')
    lines.push(c.green(`✓ ${e.id} passes: ${o.results.length} of ${o.results.length} expectations (${(o.ms.total / 1000).toFixed(1)} s)`));
  return [...lines, ...printed];
}

/** What the learner's code printed, set apart from our lines. */
export function renderOutput(o: VerifyOutcome, c: Colors): string[] {
  if (!o.output?.length) return [];
  const n = o.output.length;
  return [c.dim(`  your code printed (${n === 1 ? 'its last line' : `its last ${n} lines`}):`), ...o.output.map((l) => `${c.dim('  │')} ${l}`)];
}

export function exerciseRows(catalog: ExerciseCatalog, progress: ProgressLike, current: Exercise | undefined, c: Colors): string[][] {
  return catalog.exercises.map((e) => [
    isPassed(progress, e) ? c.green('✓') : e === current ? c.cyan('▶') : c.dim('·'),
    String(e.number),
    e.id,
    e.lesson,
    e.kind,
    e.teaches,
  ]);
}

export function renderHint(e: Exercise, shown: number, c: Colors): string[] {
  const lines = e.hints.slice(0, shown).map((h, i) => `${c.bold(`Hint ${i + 1}/${e.hints.length}`)} ${h}`);
  if (shown < e.hints.length) lines.push(c.dim(`(run \`npx kube-lessons hint ${e.id}\` again for the next one)`));
  else lines.push(c.dim(`(that was the last hint; \`npx kube-lessons solution ${e.id}\` shows ours)`));
  return lines;
}
