import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { emptyState, readState, statePath, writeState } from '../../src/store/state.ts';
import { tempDir } from '../helpers/fixtures.ts';

const tmp = tempDir('certguard-state-');
after(() => tmp.cleanup());

function readRaw(name: string, data: unknown) {
  mkdirSync(join(tmp.dir, 'certs'), { recursive: true });
  writeFileSync(statePath(tmp.dir, name), JSON.stringify(data));
  return readState(tmp.dir, name);
}

const good = {
  version: 1,
  lastAttempt: '2026-06-01T00:00:00.000Z',
  lastSuccess: '2026-05-01T00:00:00.000Z',
  lastError: { class: 'ca-error', message: 'HTTP 500', at: '2026-06-01T00:00:00.000Z' },
  consecutiveFailures: 2,
  nextAttemptNotBefore: '2026-06-01T00:10:00.000Z',
  ari: {
    certId: 'aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE',
    windowStart: '2026-06-10T00:00:00.000Z',
    windowEnd: '2026-06-12T00:00:00.000Z',
    renewAt: '2026-06-11T00:00:00.000Z',
    fetchedAt: '2026-06-01T00:00:00.000Z',
    nextFetchNotBefore: '2026-06-01T06:00:00.000Z',
  },
  ariCheckNotBefore: null,
  issued: { serial: '33A2AF92DDDE2C70', profile: 'shortlived' },
};

test('a well-formed state file reads back unchanged, no field dropped', () => {
  const r = readRaw('good', good);
  assert.ok(r.ok);
  assert.deepEqual(r.state, good);
  assert.equal(r.dropped, undefined);
});

test('every field is validated: each malformed one is dropped (reset), the others kept', () => {
  const cases: [string, Record<string, unknown>, string][] = [
    ['ari not an object', { ari: 'x' }, 'ari'],
    ['ari certId a number', { ari: { ...good.ari, certId: 42 } }, 'ari'],
    ['ari time garbage', { ari: { ...good.ari, renewAt: 'soon' } }, 'ari'],
    ['consecutiveFailures a string', { consecutiveFailures: 'x' }, 'consecutiveFailures'],
    ['consecutiveFailures negative', { consecutiveFailures: -1 }, 'consecutiveFailures'],
    ['consecutiveFailures huge', { consecutiveFailures: 1e300 }, 'consecutiveFailures'],
    ['nextAttemptNotBefore a number', { nextAttemptNotBefore: 5 }, 'nextAttemptNotBefore'],
    ['lastAttempt not a date', { lastAttempt: 'yesterday' }, 'lastAttempt'],
    ['lastError unknown class', { lastError: { ...good.lastError, class: 'boom' } }, 'lastError'],
    ['ariCheckNotBefore an object', { ariCheckNotBefore: {} }, 'ariCheckNotBefore'],
    ['issued serial not hex', { issued: { serial: 'zz', profile: null } }, 'issued'],
    ['issued profile with a newline', { issued: { ...good.issued, profile: 'a\nb' } }, 'issued'],
    ['issued not an object', { issued: 7 }, 'issued'],
  ];
  for (const [what, patch, field] of cases) {
    const r = readRaw('bad', { ...good, ...patch });
    assert.ok(r.ok, what);
    assert.deepEqual(r.dropped, [field], what);
    const s = r.state as unknown as Record<string, unknown>;
    assert.deepEqual(s[field], (emptyState() as unknown as Record<string, unknown>)[field], what);
    for (const key of Object.keys(good).filter((k) => k !== field)) {
      assert.deepEqual(s[key], (good as Record<string, unknown>)[key], `${what}: ${key} kept`);
    }
  }
});

test('control characters in stored text are escaped when read', () => {
  const r = readRaw('esc', {
    ...good,
    lastError: { ...good.lastError, message: 'fail\u001b[2K\rrenewed OK\u009b' },
  });
  assert.ok(r.ok);
  assert.equal(r.state.lastError?.message, 'fail\\x1b[2K\\x0drenewed OK\\x9b');
});

test('write then read round-trips', () => {
  writeState(tmp.dir, 'rt', { ...emptyState(), consecutiveFailures: 1 });
  const r = readState(tmp.dir, 'rt');
  assert.ok(r.ok);
  assert.equal(r.state.consecutiveFailures, 1);
});

test('temp files of killed writers are removed by the next write; a live writer’s stay', () => {
  mkdirSync(join(tmp.dir, 'certs'), { recursive: true });
  mkdirSync(join(tmp.dir, 'locks'), { recursive: true });
  // A pid that cannot be running (above pid_max) stands for a run killed with SIGKILL.
  const dead = join(tmp.dir, 'certs', '.site.json.4194999.1764590000000.tmp');
  const deadLock = join(tmp.dir, 'locks', 'site.lock.4194999.k3j4.tmp');
  const live = join(tmp.dir, 'certs', `.other.json.${process.ppid}.1764590000000.tmp`);
  for (const f of [dead, deadLock, live]) writeFileSync(f, '{');
  writeState(tmp.dir, 'site', emptyState());
  assert.equal(existsSync(dead), false);
  assert.equal(existsSync(deadLock), false);
  assert.equal(existsSync(live), true);
});
