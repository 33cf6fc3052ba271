/**
 * dns-01 without a script: an RFC 2136 dynamic update, signed with TSIG (RFC 8945), adds the
 * `_acme-challenge` TXT record at the zone's primary; then we wait until every authoritative
 * server of the zone (its NS set) answers it, because the CA asks one of those, not the primary;
 * cleanup deletes exactly our value (other TXT records on the name stay), also after a failure.
 * BIND, Knot and PowerDNS all speak this.
 */
import { randomInt } from 'node:crypto';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { Rfc2136Settings } from '../../config/settings.ts';
import { sleep } from '../budget.ts';
import { oneLine } from '../classify.ts';
import { AcmeFailure } from '../types.ts';
import { challengeFqdn } from './dns-hook.ts';
import { exchange } from './dns-transport.ts';
import {
  CLASS,
  canonicalName,
  decodeTxt,
  encodeMessage,
  encodeTxt,
  flagsOf,
  type Message,
  OPCODE,
  opcodeOf,
  RCODE_NAMES,
  type Rr,
  rcodeOf,
  rdataAddress,
  rdataName,
  TYPE,
} from './dns-wire.ts';
import type { ChallengeTask, Solver, SolverContext } from './solver.ts';
import { signMessage, type TsigKey, tsigError, verifyMessage } from './tsig.ts';
import { readTsigSecret } from './tsig-secret.ts';

const RECORD_TTL = 60;
const TRY_MS = 2000;

interface Server {
  host: string;
  port: number;
  label: string;
}

/** What the server's answer to an update means, as a sentence (undefined: applied). */
export function updateProblem(rcode: number, tsigErr: string | undefined, zone: string): string | undefined {
  if (rcode === 0) return undefined;
  const name = RCODE_NAMES[rcode] ?? `rcode ${rcode}`;
  if (tsigErr === 'BADSIG') return `${name}/BADSIG: the TSIG secret is wrong`;
  if (tsigErr === 'BADKEY') return `${name}/BADKEY: the server does not know this TSIG key name or algorithm`;
  if (tsigErr === 'BADTIME')
    return `${name}/BADTIME: this machine's clock differs from the server's by over 5 minutes`;
  if (tsigErr) return `${name}/${tsigErr}`;
  // PowerDNS answers a wrong secret with a plain REFUSED too, without a TSIG error.
  if (rcode === 5)
    return `REFUSED: the server does not let this key update ${zone} (its update ACL/policy, or a wrong TSIG secret for PowerDNS)`;
  if (rcode === 9) return `NOTAUTH: the server is not authoritative for ${zone}`;
  if (rcode === 10) return `NOTZONE: the record is outside ${zone}`;
  return name;
}

export class Rfc2136Solver implements Solver {
  readonly challengeType = 'dns-01' as const;
  private readonly key: TsigKey;
  private readonly zone: string;
  private primary: Server | undefined;
  /** Records present at the primary now: fqdn -> values. */
  private readonly records = new Map<string, Set<string>>();

  /** Reads the secret now, so a missing file fails before the CA is contacted. */
  constructor(
    private readonly s: Rfc2136Settings,
    private readonly ctx: SolverContext,
    env: NodeJS.ProcessEnv = process.env,
  ) {
    this.zone = canonicalName(s.zone);
    this.key = {
      name: canonicalName(s.keyName),
      algorithm: s.algorithm,
      secret: readTsigSecret(s.secretFile, env),
    };
  }

  async start(): Promise<void> {
    let host = this.s.server;
    if (!isIP(host)) {
      try {
        host = (await lookup(host)).address;
      } catch (err) {
        throw new AcmeFailure(
          'local-io',
          `rfc2136: cannot resolve the server ${this.s.server}: ${(err as NodeJS.ErrnoException).code ?? err}`,
        );
      }
    }
    this.primary = { host, port: this.s.port, label: `${this.s.server}:${this.s.port}` };
  }

  async present(task: ChallengeTask): Promise<void> {
    const fqdn = challengeFqdn(task.domain);
    await this.update(fqdn, task.value, 'add', this.ctx.signal);
    const set = this.records.get(fqdn) ?? new Set();
    set.add(task.value);
    this.records.set(fqdn, set);
    this.ctx.log('info', `rfc2136: added TXT ${fqdn} at ${this.primary!.label}`);
  }

  async ready(): Promise<void> {
    if (this.records.size === 0) return;
    const until = Math.min(this.ctx.deadlineMs, Date.now() + this.s.propagationTimeoutSeconds * 1000);
    const servers = await this.authoritativeServers();
    const pending = new Set(servers);
    const answered = new Set<Server>();
    const missing = new Map<Server, string>();
    for (let round = 0; ; round++) {
      for (const server of [...pending]) {
        const why = await this.serves(server);
        if (why !== 'unreachable') answered.add(server);
        if (why === undefined) pending.delete(server);
        else missing.set(server, why);
      }
      // A server that never answered at all (down, firewalled) cannot be waited for; one that
      // answers without the record can, and must be: the CA may ask exactly that one.
      const waiting = [...pending].filter((s) => answered.has(s));
      if (waiting.length === 0 && pending.size < servers.length) break;
      if (Date.now() + 500 > until) {
        const list = [...pending].map((s) => `${s.label} ${missing.get(s)}`).join(', ');
        throw new AcmeFailure(
          'challenge-failed',
          oneLine(
            `rfc2136: after ${this.s.propagationTimeoutSeconds}s not every authoritative server of ${this.zone} serves the TXT record: ${list}`,
          ),
        );
      }
      await sleep(Math.min(2000, 250 * 2 ** round), this.ctx.signal);
    }
    for (const s of pending) {
      this.ctx.log('warning', `rfc2136: authoritative server ${s.label} did not answer; not waiting for it`);
    }
    this.ctx.log(
      'info',
      `rfc2136: ${servers.length - pending.size} authoritative server(s) serve the record`,
    );
  }

  async cleanup(task: ChallengeTask): Promise<void> {
    const fqdn = challengeFqdn(task.domain);
    if (!this.records.get(fqdn)?.has(task.value)) return;
    // Cleanup runs after the deadline too (never leave a record behind): its own short limit.
    const signal = AbortSignal.timeout(Math.max(this.ctx.deadlineMs - Date.now(), 0) + 10_000);
    try {
      await this.update(fqdn, task.value, 'delete', signal);
      this.records.get(fqdn)?.delete(task.value);
      this.ctx.log('info', `rfc2136: removed TXT ${fqdn}`);
    } catch (err) {
      this.ctx.log('warning', `rfc2136: could not remove TXT ${fqdn}: ${(err as Error).message}`);
    }
  }

  async stop(): Promise<void> {}

  /** One signed UPDATE: add our value, or delete exactly it (class NONE, RFC 2136 section 2.5.4). */
  private async update(
    fqdn: string,
    value: string,
    op: 'add' | 'delete',
    signal: AbortSignal,
  ): Promise<void> {
    const server = this.primary!;
    const rr: Rr = {
      name: fqdn,
      type: TYPE.TXT,
      class: op === 'add' ? CLASS.IN : CLASS.NONE,
      ttl: op === 'add' ? RECORD_TTL : 0,
      rdata: encodeTxt(value),
    };
    const msg: Message = {
      id: randomInt(0, 0x10000),
      flags: flagsOf({ opcode: OPCODE.UPDATE }),
      questions: [{ name: this.zone, type: TYPE.SOA, class: CLASS.IN }],
      answers: [],
      authority: [rr],
      additional: [],
    };
    const signed = signMessage(encodeMessage(msg), this.key, Math.floor(Date.now() / 1000));
    const what = `rfc2136: ${server.label} ${op === 'add' ? 'refused to add' : 'refused to delete'} TXT ${fqdn}`;
    let answer: Awaited<ReturnType<typeof exchange>>;
    try {
      answer = await exchange(signed.wire, {
        host: server.host,
        port: server.port,
        timeoutMs: TRY_MS,
        signal,
      });
    } catch (err) {
      if ((err as Error).name === 'DeadlineExceeded') throw err;
      throw new AcmeFailure(
        'challenge-failed',
        oneLine(`rfc2136: update at ${server.label} failed: ${(err as Error).message}`),
      );
    }
    if (opcodeOf(answer.message) !== OPCODE.UPDATE) {
      throw new AcmeFailure(
        'challenge-failed',
        `rfc2136: ${server.label} answered the update with another opcode`,
      );
    }
    const rcode = rcodeOf(answer.message);
    const problem = updateProblem(rcode, tsigError(answer.wire, answer.message), this.zone);
    if (problem) throw new AcmeFailure('challenge-failed', oneLine(`${what}: ${problem}`));
    const verdict = verifyMessage(
      answer.wire,
      answer.message,
      this.key,
      Math.floor(Date.now() / 1000),
      signed.mac,
    );
    if (!verdict.ok) {
      throw new AcmeFailure(
        'challenge-failed',
        `rfc2136: the answer of ${server.label} failed TSIG verification: ${verdict.problem}`,
      );
    }
  }

  private async query(
    server: Server,
    name: string,
    type: number,
  ): Promise<{ wire: Buffer; message: Message }> {
    const msg: Message = {
      id: randomInt(0, 0x10000),
      flags: flagsOf({ opcode: OPCODE.QUERY }),
      questions: [{ name, type, class: CLASS.IN }],
      answers: [],
      authority: [],
      additional: [],
    };
    return exchange(encodeMessage(msg), {
      host: server.host,
      port: server.port,
      timeoutMs: 1000,
      signal: this.ctx.signal,
    });
  }

  /** undefined: serves every value we added; otherwise why not ('unreachable': no answer). */
  private async serves(server: Server): Promise<string | undefined> {
    for (const [fqdn, values] of this.records) {
      let answer: { message: Message };
      try {
        answer = await this.query(server, fqdn, TYPE.TXT);
      } catch (err) {
        if ((err as Error).name === 'DeadlineExceeded') throw err;
        return 'unreachable';
      }
      const seen = new Set(
        answer.message.answers
          .filter((rr) => rr.type === TYPE.TXT && rr.name === fqdn)
          .map((rr) => decodeTxt(rr.rdata).join('')),
      );
      for (const v of values)
        if (!seen.has(v)) return `answers ${RCODE_NAMES[rcodeOf(answer.message)] ?? '?'} without it`;
    }
    return undefined;
  }

  /**
   * The zone's NS set, asked of the primary, with addresses from its glue, its own A/AAAA answers or
   * the system resolver. A name server at the primary's address is asked on the primary's port
   * (a server on a non-standard port is also its own NS); others on 53. With no usable NS set, the
   * primary alone.
   */
  private async authoritativeServers(): Promise<Server[]> {
    const primary = this.primary!;
    let ns: { wire: Buffer; message: Message };
    try {
      ns = await this.query(primary, this.zone, TYPE.NS);
    } catch (err) {
      if ((err as Error).name === 'DeadlineExceeded') throw err;
      return [primary];
    }
    const names = ns.message.answers.filter((rr) => rr.type === TYPE.NS).map((rr) => rdataName(ns.wire, rr));
    const out = new Map<string, Server>();
    for (const name of names.slice(0, 16)) {
      for (const host of await this.addresses(name, ns.message)) {
        const port = host === primary.host ? primary.port : 53;
        out.set(`${host}|${port}`, { host, port, label: `${name.replace(/\.$/, '')} (${host}:${port})` });
      }
    }
    return out.size > 0 ? [...out.values()] : [primary];
  }

  private async addresses(name: string, nsAnswer: Message): Promise<string[]> {
    const fromRrs = (rrs: Rr[]) =>
      rrs.filter((rr) => rr.name === name).flatMap((rr) => rdataAddress(rr) ?? []);
    const glue = fromRrs(nsAnswer.additional);
    if (glue.length) return glue;
    const own: string[] = [];
    for (const type of [TYPE.A, TYPE.AAAA]) {
      try {
        own.push(...fromRrs((await this.query(this.primary!, name, type)).message.answers));
      } catch (err) {
        if ((err as Error).name === 'DeadlineExceeded') throw err;
      }
    }
    if (own.length) return own;
    try {
      return (await lookup(name.replace(/\.$/, ''), { all: true })).map((a) => a.address);
    } catch {
      return [];
    }
  }
}
