import { createServer, type Server } from 'node:http';
import { AcmeFailure } from '../types.ts';
import type { ChallengeTask, Solver, SolverContext } from './solver.ts';

const PREFIX = '/.well-known/acme-challenge/';

/** "ADDR:PORT", "[v6]:PORT" or ":PORT" (all addresses). */
export function parseListen(listen: string): { host: string | undefined; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(listen.trim());
  const port = m ? Number(m[3]) : Number.NaN;
  if (!m || port < 1 || port > 65535)
    throw new AcmeFailure('local-io', `invalid listen address "${listen}" (want ADDR:PORT)`);
  const host = m[1] ?? m[2];
  return { host: host ? host : undefined, port };
}

/**
 * http-01 without a web server: listens on ADDR:PORT only for the order's duration and answers
 * exactly the tokens of this order (404 for anything else).
 */
export class StandaloneSolver implements Solver {
  readonly challengeType = 'http-01' as const;
  private readonly tokens = new Map<string, string>();
  private server: Server | undefined;

  constructor(
    private readonly listen: string,
    private readonly ctx: SolverContext,
  ) {}

  async start(): Promise<void> {
    const { host, port } = parseListen(this.listen);
    const server = createServer((req, res) => {
      const path = (req.url ?? '').split('?')[0] ?? '';
      const value = path.startsWith(PREFIX) ? this.tokens.get(path.slice(PREFIX.length)) : undefined;
      if (req.method === 'GET' && value !== undefined) {
        res.writeHead(200, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(value) });
        res.end(value);
        this.ctx.log('info', `http-01: served token to ${req.socket.remoteAddress ?? '?'}`);
      } else {
        res.writeHead(404, { 'content-type': 'text/plain' });
        res.end('not found\n');
      }
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) =>
        reject(
          new AcmeFailure(
            'local-io',
            `cannot listen on ${this.listen} for http-01: ${err.code ?? err.message}`,
          ),
        ),
      );
      server.listen({ port, ...(host ? { host } : {}) }, () => resolve());
    });
    this.server = server;
  }

  async present(task: ChallengeTask): Promise<void> {
    this.tokens.set(task.token, task.value);
  }

  async ready(): Promise<void> {}

  async cleanup(task: ChallengeTask): Promise<void> {
    this.tokens.delete(task.token);
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }
}
