/**
 * `kube-lessons doctor`: article I, the setup checked and explained one line at a time. Exit 0 when nothing
 * failed; otherwise the exit code of the first failure's cause, as any other command would exit on it.
 */
import type { Command } from 'commander';
import type { CommandContext } from '../../console/context.ts';
import type { Check } from '../../examples/doctor.ts';
import type { ExitCodeValue } from '../../core/errors.ts';

export function register(command: Command, ctx: () => CommandContext): void {
  command.addHelpText('after', '\nExamples:\n  $ kube-lessons doctor\n  $ kube-lessons doctor --context kube-lessons-sandbox -o json').action(async () => {
    const c = ctx();
    const [{ runDoctor }, { UserFacingError, ExitCode }, { redact }] = await Promise.all([
      import('../../examples/doctor.ts'),
      import('../../core/errors.ts'),
      import('../../core/redact.ts'),
    ]);
    const data = c.format === 'json' || c.format === 'yaml';
    const checks = await runDoctor({
      kube: () => c.kube(),
      // A health check should not hang for the full request timeout, nor without one (--request-timeout 0).
      timeoutMs: c.requestTimeoutMs > 0 ? Math.min(c.requestTimeoutMs, 10_000) : 10_000,
      signal: c.signal,
      onCheck: data ? undefined : (check) => c.out.line(redact(renderCheck(check, c))),
    });
    const failed = checks.filter((x) => x.status === 'fail');
    const warned = checks.filter((x) => x.status === 'warn');
    if (data) {
      const { renderObjects } = await import('../../console/output.ts');
      c.out.line(redact(renderObjects([{ ok: failed.length === 0, checks }], c.format)));
    } else {
      c.out.line('');
      c.out.line(
        failed.length
          ? `${failed.length} of ${checks.length} checks failed${warned.length ? `, ${warned.length} warned` : ''}`
          : `all ${checks.length} checks passed${warned.length ? ` (${warned.length} with a warning)` : ''}`,
      );
    }
    if (failed.length) {
      const first = failed[0]!;
      throw new UserFacingError(
        `doctor: ${failed.map((f) => f.name).join(', ')} failed`,
        first.hint ?? 'see the failed checks above',
        (first.exitCode ?? ExitCode.failure) as ExitCodeValue,
      );
    }
  });
}

function renderCheck(check: Check, c: CommandContext): string {
  const { green, yellow, red, bold, dim } = c.out.color;
  const mark = check.status === 'pass' ? green('✓') : check.status === 'warn' ? yellow('!') : red('✗');
  const line = `${mark} ${bold(check.name.padEnd(14))} ${check.message}`;
  return check.hint && check.status !== 'pass' ? `${line}\n  ${' '.repeat(14)} ${dim('→')} ${check.hint}` : line;
}
