/**
 * One ACME order from start to certificate (RFC 8555 section 7): account, newOrder, challenges,
 * CSR for a fresh key, finalize, chain download. All of it inside one time budget; every failure
 * leaves as an AcmeFailure with a class and its real cause. Nothing here writes the certificate:
 * installing it is the caller's job (atomic install in src/store/).
 */
import { X509Certificate } from 'node:crypto';
import { challengeKind } from '../config/settings.ts';
import { UsageError } from '../exit-codes.ts';
import { loadOrCreateAccountKey, saveAccountInfo } from './account.ts';
import { DeadlineExceeded, deadlineSignal, sleep } from './budget.ts';
import { splitChain } from './chain.ts';
import { type ChallengeTask, challengeProblem, makeSolver, type Solver } from './challenges/solver.ts';
import { oneLine, parseRetryAfter, shortType } from './classify.ts';
import { type Client, loadAcmeClient, makeClient } from './client.ts';
import { readCaBundle } from './http-get.ts';
import { checkIdentifierChallenge, csrSubject, type Identifier, identifiersFor } from './identifiers.ts';
import { checkReusableKey, newCertificateKey } from './keys.ts';
import { checkProfile } from './profiles.ts';
import { Transport } from './transport.ts';
import { AcmeFailure, type Issued, type OrderRequest } from './types.ts';

interface AcmeObject {
  url: string;
  status: string;
  [k: string]: unknown;
}

interface AcmeChallenge {
  type: string;
  url: string;
  token: string;
  status: string;
  error?: { type?: string; detail?: string };
}

interface AcmeAuthorization extends AcmeObject {
  identifier: { type: string; value: string };
  challenges: AcmeChallenge[];
  wildcard?: boolean;
}

export async function obtainCertificate(req: OrderRequest): Promise<Issued> {
  if (req.domains.length === 0) throw new AcmeFailure('local-io', 'no domain names to order');
  const problem = challengeProblem(req.domains, req.challenge);
  if (problem) throw new AcmeFailure('challenge-failed', problem);
  const ids = identifiersFor(req.domains);
  checkIdentifierChallenge(ids, challengeKind(req.challenge));
  if (req.reuseKeyPem) checkReusableKey(req.reuseKeyPem);
  const caPem = readCaBundle(req.caBundle);

  const started = Date.now();
  const { signal, dispose } = deadlineSignal(req.budget.deadlineMs);
  let solver: Solver;
  try {
    // Before any connection: a solver reads its secrets here (rfc2136's TSIG key).
    solver = makeSolver(req.challenge, { signal, deadlineMs: req.budget.deadlineMs, log: req.log });
  } catch (err) {
    dispose();
    throw err;
  }
  const transport = new Transport(req.budget, signal, caPem, req.log);
  const presented: ChallengeTask[] = [];
  let solverStarted = false;
  try {
    const acme = await loadAcmeClient();
    const account = loadOrCreateAccountKey(req.accountDir, req.server, req.email);
    req.log(
      'info',
      `${account.created ? 'created account key' : 'using account key'} ${account.dir}/key.pem`,
    );
    const client = makeClient(
      acme,
      { directoryUrl: req.server, accountKeyPem: account.keyPem, ...(req.eab ? { eab: req.eab } : {}) },
      transport,
    );

    const directory = await client.http.getDirectory();
    checkDirectory(req, directory);
    // The CA answers: make the certificate key now, in the thread pool, while the account, order and
    // challenges take their round trips (an RSA 4096 key alone can take seconds).
    const keyPromise = req.reuseKeyPem ? Promise.resolve(req.reuseKeyPem) : newCertificateKey(req.keyType);
    keyPromise.catch(() => {});
    await client.createAccount({
      termsOfServiceAgreed: true,
      ...(req.email ? { contact: [`mailto:${req.email}`] } : {}),
    });
    saveAccountInfo(account.dir, {
      server: req.server,
      ...(req.email ? { email: req.email } : {}),
      url: client.getAccountUrl(),
    });

    req.log('info', `ordering ${req.domains.join(', ')} (${req.keyType}) from ${req.server}`);
    let order = await createOrder(client, req, ids, typeof directory.renewalInfo === 'string');

    const authzs = (await client.getAuthorizations(order as never)) as unknown as AcmeAuthorization[];
    const pending: { authz: AcmeAuthorization; challenge: AcmeChallenge; name: string }[] = [];
    for (const authz of authzs) {
      if (authz.status === 'valid') continue;
      const name = `${authz.wildcard ? '*.' : ''}${authz.identifier.value}`;
      if (authz.status !== 'pending') {
        throw new AcmeFailure('challenge-failed', `authorization for ${name} is ${authz.status}`);
      }
      const challenge = authz.challenges.find((c) => c.type === solver.challengeType);
      if (!challenge) {
        const offered = authz.challenges.map((c) => c.type).join(', ') || 'none';
        throw new AcmeFailure(
          'challenge-failed',
          `the CA offers no ${solver.challengeType} challenge for ${name} (offers: ${offered})`,
        );
      }
      if (!solverStarted) {
        solverStarted = true;
        await solver.start();
      }
      const value = await client.getChallengeKeyAuthorization(challenge as never);
      const task = { domain: authz.identifier.value, token: challenge.token, value };
      presented.push(task);
      await solver.present(task);
      pending.push({ authz, challenge, name });
    }
    await solver.ready();
    for (const p of pending) await client.completeChallenge(p.challenge as never);
    for (const p of pending) {
      await waitFor(client, transport, signal, p.authz.url, `authorization of ${p.authz.identifier.value}`, [
        'valid',
      ]);
      req.log('info', `${p.authz.identifier.value}: ${solver.challengeType} validated`);
    }

    order = await waitFor(client, transport, signal, order.url, 'order', ['ready', 'valid']);
    const keyPem = await untilDeadline(keyPromise, signal, transport, 'generating the certificate key');
    const [, csr] = await acme.crypto.createCsr(csrSubject(ids), keyPem);
    if (order.status !== 'valid') {
      order = (await client.finalizeOrder(order as never, csr)) as unknown as AcmeObject;
      order = await waitFor(client, transport, signal, order.url, 'certificate issuance', ['valid']);
    }
    const certUrl = order.certificate;
    if (typeof certUrl !== 'string')
      throw new AcmeFailure('ca-error', 'the CA sent a valid order without a certificate URL');
    const resp = await client.api.apiRequest(certUrl, null, [200]);
    const issued = { ...splitChain(String(resp.data), keyPem), keyPem };
    const x = new X509Certificate(issued.certPem);
    req.log(
      'info',
      `certificate issued in ${((Date.now() - started) / 1000).toFixed(1)}s (${transport.requests} requests` +
        `${transport.badNonceRetries ? `, ${transport.badNonceRetries} badNonce retries` : ''}): ` +
        `serial ${x.serialNumber}, valid until ${new Date(x.validTo).toISOString()}`,
    );
    return issued;
  } catch (err) {
    throw normalize(err, transport, signal);
  } finally {
    await cleanupChallenges(solver, presented, req);
    transport.close();
    dispose();
  }
}

/** Awaits work that cannot itself be cancelled, but stops waiting when the deadline passes. */
function untilDeadline<T>(
  work: Promise<T>,
  signal: AbortSignal,
  transport: Transport,
  what: string,
): Promise<T> {
  if (signal.aborted)
    return Promise.reject(transport.deadlineFailure(new DeadlineExceeded('deadline'), what));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(transport.deadlineFailure(new DeadlineExceeded('deadline'), what));
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

function checkDirectory(req: OrderRequest, dir: Record<string, unknown>): void {
  if (
    !dir ||
    typeof dir !== 'object' ||
    ['newNonce', 'newAccount', 'newOrder'].some((k) => typeof dir[k] !== 'string')
  ) {
    throw new AcmeFailure(
      'ca-error',
      `${req.server} is not an ACME directory (no newNonce/newAccount/newOrder)`,
    );
  }
  const meta = (dir.meta ?? {}) as { externalAccountRequired?: unknown; profiles?: unknown };
  if (meta.externalAccountRequired === true && !req.eab) {
    throw new AcmeFailure(
      'ca-error',
      `${req.server} requires External Account Binding: set eab.kid and eab.hmacFile (--eab-kid, --eab-hmac-file)`,
    );
  }
  if (req.profile !== undefined) checkProfile(req.server, req.profile, meta.profiles);
}

/**
 * newOrder, with `replaces` (RFC 9773) only when the CA speaks ARI. A CA that refuses the field
 * (409 alreadyReplaced: another order already replaced that certificate, or any other refusal) gets
 * the same order without it: ARI may make renewal smoother, never impossible.
 */
async function createOrder(
  client: Client,
  req: OrderRequest,
  identifiers: Identifier[],
  ari: boolean,
): Promise<AcmeObject> {
  // checkDirectory has made sure the CA offers the profile; none configured: none sent.
  const base = { identifiers, ...(req.profile ? { profile: req.profile } : {}) };
  if (req.replaces && ari) {
    try {
      return (await client.createOrder({
        ...base,
        replaces: req.replaces,
      } as never)) as unknown as AcmeObject;
    } catch (err) {
      if (!(err instanceof AcmeFailure) || err.failureClass !== 'ca-error' || (err.httpStatus ?? 0) >= 500)
        throw err;
      req.log('warning', `CA refused replaces=${req.replaces} (${err.message}); ordering without it`);
    }
  }
  return (await client.createOrder(base as never)) as unknown as AcmeObject;
}

/**
 * Polls an authorization or order until it reaches one of `want`, honouring Retry-After and the
 * deadline. "invalid" is final: the CA's error (e.g. what its validator fetched) becomes the message.
 */
async function waitFor(
  client: Client,
  transport: Transport,
  signal: AbortSignal,
  url: string,
  what: string,
  want: string[],
): Promise<AcmeObject> {
  for (let i = 0; ; i++) {
    const resp = await client.api.apiRequest(url, null, [200]);
    const data = resp.data as AcmeObject;
    data.url = url;
    if (want.includes(data.status)) return data;
    if (data.status === 'invalid') throw new AcmeFailure('challenge-failed', invalidMessage(what, data));
    if (!['pending', 'processing', 'ready', 'valid'].includes(data.status)) {
      throw new AcmeFailure('ca-error', `${what}: unexpected status "${data.status}"`);
    }
    // pebble answers in milliseconds; a real CA within seconds. Poll fast first, then back off.
    const retryAfter = parseRetryAfter(resp.headers['retry-after']);
    const delay =
      retryAfter !== undefined ? Math.min(retryAfter * 1000, 10_000) : Math.min(2000, 100 * 2 ** i);
    try {
      await sleep(delay, signal);
    } catch (err) {
      throw transport.deadlineFailure(err, `waiting for ${what}`);
    }
  }
}

function invalidMessage(what: string, data: AcmeObject): string {
  const errors: string[] = [];
  const orderError = data.error as { type?: string; detail?: string } | undefined;
  if (orderError) errors.push(`${shortType(orderError.type)}: ${orderError.detail ?? ''}`);
  for (const c of (data.challenges as AcmeChallenge[] | undefined) ?? []) {
    if (c.error) errors.push(`${c.type} ${shortType(c.error.type)}: ${c.error.detail ?? ''}`);
  }
  return oneLine(`${what} failed${errors.length ? `: ${errors.join('; ')}` : ' (status invalid)'}`);
}

async function cleanupChallenges(
  solver: Solver,
  presented: ChallengeTask[],
  req: OrderRequest,
): Promise<void> {
  for (const task of presented) {
    try {
      await solver.cleanup(task);
    } catch (err) {
      req.log(
        'warning',
        `cleanup of the ${solver.challengeType} challenge for ${task.domain} failed: ${String(err)}`,
      );
    }
  }
  try {
    await solver.stop();
  } catch {}
}

/**
 * Anything thrown becomes an AcmeFailure; acme-client's own errors are CA answers it disliked. A
 * UsageError (the settings ask for what this CA cannot do) stays one: exit 2, not a CA failure.
 */
function normalize(err: unknown, transport: Transport, signal: AbortSignal): AcmeFailure | UsageError {
  if (err instanceof AcmeFailure || err instanceof UsageError) return err;
  if (err instanceof DeadlineExceeded || signal.aborted) {
    return transport.deadlineFailure(new DeadlineExceeded('deadline'), 'ACME order') as AcmeFailure;
  }
  const message = err instanceof Error ? err.message : String(err);
  return new AcmeFailure('ca-error', oneLine(`ACME order failed: ${message}`), { cause: err });
}
