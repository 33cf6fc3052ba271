import { type Challenge, challengeKind } from '../../config/settings.ts';
import { DnsHookSolver } from './dns-hook.ts';
import { Rfc2136Solver } from './rfc2136.ts';
import { StandaloneSolver } from './standalone.ts';
import { TlsAlpnSolver } from './tls-alpn.ts';
import { WebrootSolver } from './webroot.ts';

/** One challenge to satisfy: what the CA will look for, and where. */
export interface ChallengeTask {
  /** The identifier being validated (without "*." for wildcards). */
  domain: string;
  token: string;
  /** http-01, tls-alpn-01: the key authorization; dns-01: the TXT record value (its digest). */
  value: string;
}

/**
 * Makes the CA's validation succeed for one kind of challenge. present/cleanup come in pairs;
 * `stop` runs once at the end of the order (also on failure) and must never throw.
 */
export interface Solver {
  readonly challengeType: 'http-01' | 'dns-01' | 'tls-alpn-01';
  start(): Promise<void>;
  present(task: ChallengeTask): Promise<void>;
  /** After every present: e.g. wait for DNS propagation. */
  ready(): Promise<void>;
  cleanup(task: ChallengeTask): Promise<void>;
  stop(): Promise<void>;
}

export interface SolverContext {
  signal: AbortSignal;
  deadlineMs: number;
  log: (level: 'info' | 'warning' | 'err', text: string) => void;
}

/**
 * A configuration that can never succeed, said before any network traffic: wildcard names are
 * validated only by dns-01 (RFC 8555 section 7.1.3). undefined when the request is fine.
 */
export function challengeProblem(domains: string[], challenge: Challenge): string | undefined {
  const wildcard = domains.find((d) => d.startsWith('*.'));
  if (wildcard && challengeKind(challenge) !== 'dns-01') {
    return `${wildcard}: wildcard names can only be validated with dns-01; configure rfc2136 or a DNS hook (--rfc2136-server, --dns-hook)`;
  }
  return undefined;
}

export function makeSolver(challenge: Challenge, ctx: SolverContext): Solver {
  switch (challenge.type) {
    case 'webroot':
      return new WebrootSolver(challenge.webroot, ctx);
    case 'http':
      return new StandaloneSolver(challenge.listen, ctx);
    case 'dns':
      return new DnsHookSolver(challenge.hook, challenge.propagationSeconds, ctx);
    case 'rfc2136':
      return new Rfc2136Solver(challenge, ctx);
    case 'tls-alpn':
      return new TlsAlpnSolver(challenge.listen, ctx);
  }
}
