import {
  chmodSync,
  closeSync,
  constants,
  fchmodSync,
  lstatSync,
  mkdirSync,
  openSync,
  rmdirSync,
  rmSync,
  writeSync,
} from 'node:fs';
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
      // An existing `.well-known` or `acme-challenge` that is a link (planted by whoever can write
      // the webroot) would make root write wherever it points: only real directories are used.
      if (!lstatSync(d).isDirectory()) {
        throw ioFailure(
          `webroot ${this.webroot}: ${d} is not a directory (a symbolic link?): refusing to write through it`,
          {
            code: 'ELOOP',
          },
        );
      }
    }
  }

  async present(task: ChallengeTask): Promise<void> {
    const path = join(this.dir, safeToken(task.token));
    try {
      // O_NOFOLLOW: a link planted at the token's path is refused, not written through.
      const fd = openSync(
        path,
        constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW,
        0o644,
      );
      try {
        fchmodSync(fd, 0o644);
        writeSync(fd, task.value);
      } finally {
        closeSync(fd);
      }
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
