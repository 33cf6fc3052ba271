/**
 * ACME profiles (draft-ietf-acme-profiles) against real pebble, behind a loopback front that adds
 * `meta.profiles` to pebble 2.4's directory and records each newOrder's fields.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { obtainCertificate } from '../../src/acme/order.ts';
import { checkProfile, offeredProfiles } from '../../src/acme/profiles.ts';
import { UsageError } from '../../src/exit-codes.ts';
import { renewCertificate } from '../../src/renew/renew.ts';
import { readState } from '../../src/store/state.ts';
import { type AriFront, startAriFront } from '../helpers/ari-front.ts';
import { tempDir } from '../helpers/fixtures.ts';
import { type Pebble, startPebble } from '../helpers/pebble.ts';
import { globalFor, pebbleSettings } from '../renew/support.ts';
import { baseRequest, collectLog, pebbleSkip } from './order-setup.ts';

const LE_PROFILES = {
  classic: 'The same profile you are accustomed to',
  tlsserver: 'https://letsencrypt.org/docs/profiles#tlsserver',
  shortlived: 'https://letsencrypt.org/docs/profiles#shortlived',
};

describe('offeredProfiles / checkProfile (hostile directory values)', () => {
  test('the keys of meta.profiles, tokens only', () => {
    assert.deepEqual(offeredProfiles(LE_PROFILES), ['classic', 'tlsserver', 'shortlived']);
    assert.deepEqual(offeredProfiles({ ok: 'x', 'bad\nname': 'y', '': 'z' }), ['ok']);
    for (const v of [undefined, null, 'classic', ['classic'], 7]) assert.deepEqual(offeredProfiles(v), []);
  });
  test('an unoffered profile names the offered ones; none offered says so', () => {
    checkProfile('https://ca.test/dir', 'shortlived', LE_PROFILES);
    assert.throws(
      () => checkProfile('https://ca.test/dir', 'short', LE_PROFILES),
      (e: unknown) =>
        e instanceof UsageError &&
        e.message ===
          'profile "short" is not offered by https://ca.test/dir (it offers classic, tlsserver, shortlived): change profile (--profile) or unset it for the CA\'s default',
    );
    assert.throws(
      () => checkProfile('https://ca.test/dir', 'shortlived', undefined),
      (e: unknown) => e instanceof UsageError && /\(it offers no profiles\)/.test(e.message),
    );
    const many = Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`p${i}`, '']));
    assert.throws(
      () => checkProfile('https://ca.test/dir', 'x', many),
      (e: unknown) => e instanceof UsageError && e.message.length < 400 && /p19, \.\.\./.test(e.message),
    );
  });
});

describe('profiles against pebble behind a meta.profiles front', { skip: pebbleSkip() }, () => {
  let pebble: Pebble;
  let front: AriFront;
  const tmp = tempDir('certguard-profiles-');
  before(async () => {
    pebble = await startPebble({ alwaysValid: true, challtestsrv: false });
    front = await startAriFront(pebble);
    front.profiles = LE_PROFILES;
  });
  after(async () => {
    await front?.close();
    await pebble?.stop();
    tmp.cleanup();
  });

  const request = (dir: string, profile?: string) =>
    baseRequest(pebble, join(tmp.dir, dir), {
      server: front.directoryUrl,
      domains: [`${dir}.example.com`],
      ...(profile ? { profile } : {}),
    });

  test('an offered profile is sent in newOrder', async () => {
    const orders = front.newOrderPayloads.length;
    await obtainCertificate(request('offered', 'shortlived'));
    assert.equal(front.newOrderPayloads.length, orders + 1);
    assert.equal(front.newOrderPayloads.at(-1)?.profile, 'shortlived');
  });

  test('no profile set: the field is absent (the CA chooses)', async () => {
    const orders = front.newOrderPayloads.length;
    await obtainCertificate(request('none'));
    assert.equal(front.newOrderPayloads.length, orders + 1);
    assert.ok(!('profile' in front.newOrderPayloads.at(-1)!));
  });

  test('an unoffered profile is a usage error before any account or order', async () => {
    const orders = front.newOrderPayloads.length;
    const dirs = front.directoryRequests;
    const req = request('unoffered', 'tlsclient');
    await assert.rejects(
      obtainCertificate(req),
      (e: unknown) =>
        e instanceof UsageError &&
        /profile "tlsclient" is not offered by .*\(it offers classic, tlsserver, shortlived\)/.test(
          e.message,
        ),
    );
    assert.equal(front.directoryRequests, dirs + 1, 'the directory was read');
    assert.equal(front.newOrderPayloads.length, orders, 'no order placed');
    assert.ok(!req.logged.lines.some((l) => /ordering/.test(l)));
  });

  test('renew: the profile is remembered, a changed or removed one makes renewal due', async () => {
    const global = globalFor(tmp.dir);
    const run = async (profile: string | undefined) => {
      const l = collectLog();
      const settings = pebbleSettings(
        pebble,
        tmp.dir,
        { server: front.directoryUrl, ...(profile ? { profile } : {}) },
        'prof',
      );
      const o = await renewCertificate(settings, global, { force: false, ari: false, log: l.log });
      return { ...o, log: l.lines.join('\n') };
    };
    const first = await run('shortlived');
    assert.equal(first.action, 'renewed', first.log);
    const st = readState(global.stateDirectory, 'prof');
    assert.ok(st.ok);
    assert.deepEqual(st.state.issued, { serial: first.verdict.serial, profile: 'shortlived' });

    const same = await run('shortlived');
    assert.equal(same.action, 'not-due', same.log);

    const orders = front.newOrderPayloads.length;
    const changed = await run('tlsserver');
    assert.equal(changed.action, 'renewed', changed.log);
    assert.deepEqual(
      changed.dueReasons.map((r) => r.code),
      ['profile-changed'],
    );
    assert.equal(
      changed.dueReasons[0]!.message,
      'ordered with profile shortlived, settings ask for profile tlsserver',
    );
    assert.equal(front.newOrderPayloads.at(orders)?.profile, 'tlsserver');

    const unset = await run(undefined);
    assert.equal(unset.action, 'renewed', unset.log);
    assert.match(unset.dueReasons[0]!.message, /settings ask for the CA's default profile/);
    assert.ok(!('profile' in front.newOrderPayloads.at(-1)!));
    assert.equal(readState(global.stateDirectory, 'prof').ok && (await run(undefined)).action, 'not-due');
  });

  test('renew with an unoffered profile: exit-2 usage error, no order, no state written', async () => {
    const global = globalFor(join(tmp.dir, 'bad'));
    const settings = pebbleSettings(pebble, join(tmp.dir, 'bad'), {
      server: front.directoryUrl,
      profile: 'nope',
    });
    const orders = front.newOrderPayloads.length;
    await assert.rejects(
      renewCertificate(settings, global, { force: false, ari: true, log: () => {} }),
      (e: unknown) => e instanceof UsageError && /profile "nope" is not offered/.test(e.message),
    );
    assert.equal(front.newOrderPayloads.length, orders);
    const st = readState(global.stateDirectory, settings.name);
    assert.ok(st.ok && !st.exists);
  });
});
