import { chmodSync, mkdirSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ioFailure } from '../classify.ts';
import type { ChallengeTask, Solver, SolverContext } from './solver.ts';

/**
 * http-01 through an existing web server: the token goes to
 * <webroot>/.well-known/acme-challenge/TOKEN, readable by the web server (0644 whatever the
 * umask), and is removed afterwards; directories we had to create are removed too if left empty.
 */
export class WebrootSolver implements Solver {
  readonly challengeType = 'http-01' as const;
  private readonly created: string[] = [];
  private readonly dir: string;

  constructor(
    private readonly webroot: string,
    private readonly ctx: SolverContext,
  ) {
    this.dir = join(webroot, '.well-known', 'acme-challenge');
  }

  async start(): Promise<void> {
    for (const d of [join(this.webroot, '.well-known'), this.dir]) {
      try {
        mkdirSync(d, { mode: 0o755 });
        chmodSync(d, 0o755);
        this.created.push(d);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
          throw ioFailure(`webroot ${this.webroot}: cannot create ${d}`, err);
        }
      }
    }
  }

  async present(task: ChallengeTask): Promise<void> {
    const path = join(this.dir, safeToken(task.token));
    try {
      writeFileSync(path, task.value, { mode: 0o644 });
      chmodSync(path, 0o644);
    } catch (err) {
      throw ioFailure(`webroot ${this.webroot}: cannot write ${path}`, err);
    }
    this.ctx.log('info', `http-01 for ${task.domain}: token written to ${path}`);
  }

  async ready(): Promise<void> {}

  async cleanup(task: ChallengeTask): Promise<void> {
    rmSync(join(this.dir, safeToken(task.token)), { force: true });
  }

  async stop(): Promise<void> {
    for (const d of this.created.reverse()) {
      try {
        rmdirSync(d);
      } catch {
        // Not empty (someone else's files) or already gone: leave it.
      }
    }
  }
}

/** RFC 8555 tokens are base64url; anything else must not become a path (e.g. "../x"). */
export function safeToken(token: string): string {
  if (!/^[A-Za-z0-9_-]+$/.test(token)) throw new Error(`CA sent an invalid challenge token`);
  return token;
}
