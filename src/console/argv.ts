/**
 * kubectl's spellings of short options that commander reads differently: `-n=kube-system`, `-o=json` and
 * `-l=app=web` mean `-n kube-system` and so on (commander would take "=kube-system" as the value).
 * Arguments after `--` are left alone.
 */
export function kubectlForms(args: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') return [...out, ...args.slice(i)];
    const m = /^(-[A-Za-z])=(.*)$/s.exec(a);
    if (m) out.push(m[1]!, m[2]!);
    else out.push(a);
  }
  return out;
}
