import { execa } from 'execa';
import { sleep } from '../budget.ts';
import { oneLine } from '../classify.ts';
import { AcmeFailure } from '../types.ts';
import type { ChallengeTask, Solver, SolverContext } from './solver.ts';

/** _acme-challenge.<domain>. (trailing dot), as lego's exec provider passes it. */
export function challengeFqdn(domain: string): string {
  return `_acme-challenge.${domain.replace(/^\*\./, '').replace(/\.$/, '')}.`;
}

/**
 * dns-01 through an administrator's program, run without a shell as
 * `HOOK present FQDN VALUE` and `HOOK cleanup FQDN VALUE` (lego's exec provider convention, so
 * existing lego hook scripts work). Several values may share one FQDN (example.com and
 * *.example.com): a hook must add a record on present, not replace the set.
 */
export class DnsHookSolver implements Solver {
  readonly challengeType = 'dns-01' as const;
  private presented = 0;

  constructor(
    private readonly hook: string,
    private readonly propagationSeconds: number,
    private readonly ctx: SolverContext,
  ) {}

  async start(): Promise<void> {}

  async present(task: ChallengeTask): Promise<void> {
    await this.run('present', task);
    this.presented++;
  }

  /** One propagation wait for all records (DNS providers publish asynchronously). */
  async ready(): Promise<void> {
    if (this.presented === 0 || this.propagationSeconds <= 0) return;
    this.ctx.log('info', `dns-01: waiting ${this.propagationSeconds}s for DNS propagation`);
    await sleep(this.propagationSeconds * 1000, this.ctx.signal);
  }

  async cleanup(task: ChallengeTask): Promise<void> {
    await this.run('cleanup', task, true);
  }

  async stop(): Promise<void> {}

  private async run(action: 'present' | 'cleanup', task: ChallengeTask, isCleanup = false): Promise<void> {
    const fqdn = challengeFqdn(task.domain);
    // Cleanup must run even when the deadline has passed (never leave records behind), so it gets
    // a short grace of its own instead of the order's signal.
    const left = this.ctx.deadlineMs - Date.now();
    const timeout = isCleanup ? Math.max(left, 0) + 10_000 : Math.max(left, 1);
    const r = await execa(this.hook, [action, fqdn, task.value], {
      reject: false,
      timeout,
      ...(isCleanup ? {} : { cancelSignal: this.ctx.signal }),
      stdin: 'ignore',
      stripFinalNewline: true,
      maxBuffer: 64 * 1024,
      forceKillAfterDelay: 2000,
    });
    const what = `dns hook ${this.hook} ${action} ${fqdn}`;
    if (!r.failed) {
      this.ctx.log('info', `${what}: done`);
      return;
    }
    const code = (r as { code?: string }).code;
    if (code === 'ENOENT') throw new AcmeFailure('local-io', `dns hook ${this.hook} not found`);
    if (code === 'EACCES') throw new AcmeFailure('local-io', `dns hook ${this.hook} is not executable`);
    const stderr =
      String(r.stderr ?? '')
        .trim()
        .split('\n')
        .pop() ?? '';
    const why = r.timedOut
      ? `did not finish within ${Math.round(timeout / 1000)}s`
      : r.isCanceled
        ? 'stopped: time budget spent'
        : r.exitCode !== undefined
          ? `exited with ${r.exitCode}`
          : (r.signal ?? 'failed');
    const failure = new AcmeFailure(
      'challenge-failed',
      oneLine(`${what} ${why}${stderr ? `: ${stderr}` : ''}`),
    );
    if (isCleanup) {
      // A leftover TXT record harms nothing but tidiness: report it, never fail the order for it.
      this.ctx.log('warning', failure.message);
      return;
    }
    throw failure;
  }
}
