import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, afterEach, test } from 'node:test';
import { CONDITION, runCompanion } from '../../src/cli/companion-command.ts';
import { makeChain, tempDir, writeFile } from '../helpers/fixtures.ts';

const { dir, cleanup } = tempDir();
after(cleanup);
const DAY = 86_400_000;
const saved = { ...process.env };
afterEach(() => {
  for (const k of ['SERVICE_RESULT', 'EXIT_CODE', 'EXIT_STATUS', 'INVOCATION_ID']) delete process.env[k];
  Object.assign(process.env, saved);
});

async function setup(name: string, daysLeft: number, extra: object = {}) {
  const root = join(dir, name);
  const certDir = join(root, 'cert');
  mkdirSync(certDir, { recursive: true });
  const { leaf, intermediate } = await makeChain({
    sans: ['site.test'],
    notBefore: new Date(Date.now() - 30 * DAY),
    notAfter: new Date(Date.now() + daysLeft * DAY),
  });
  writeFile(certDir, 'fullchain.pem', leaf.certPem + intermediate.certPem, 0o640);
  writeFile(certDir, 'key.pem', leaf.keyPem, 0o640);
  const config = {
    stateDirectory: join(root, 'state'),
    certs: {
      site: {
        directory: certDir,
        domains: ['site.test'],
        renewBefore: '30d',
        issuedBy: 'security.acme',
        ...extra,
      },
    },
  };
  return { config: writeFile(root, 'certguard.json', JSON.stringify(config)), state: join(root, 'state') };
}

test('condition: not due exits 1 (skip), due exits 0 (run)', async () => {
  const notDue = await setup('not-due', 60);
  assert.equal(await runCompanion(['condition', 'site', '--config', notDue.config]), CONDITION.skip);
  const due = await setup('due', 10);
  assert.equal(await runCompanion(['condition', 'site', '--config', due.config]), CONDITION.run);
  // Several names: runs when any is due.
  assert.equal(CONDITION.skip, 1);
});

test('condition: every configuration error exits 255 (the unit fails), never a skip', async () => {
  const { config } = await setup('errors', 60);
  assert.equal(await runCompanion(['condition', 'nosuch', '--config', config]), CONDITION.fail);
  assert.equal(
    await runCompanion(['condition', 'site', '--config', join(dir, 'missing.json')]),
    CONDITION.fail,
  );
  assert.equal(await runCompanion(['condition', '--config', config]), CONDITION.fail);
  assert.equal(await runCompanion(['condition', 'site', '--bogus']), CONDITION.fail);
  const broken = writeFile(dir, 'broken.json', '{"certs": {"site": {"issuedBy": "someone"}}}');
  assert.equal(await runCompanion(['condition', 'site', '--config', broken]), CONDITION.fail);
});

test('record: outside ExecStopPost= a usage error; after a skipped run nothing is written', async () => {
  const { config, state } = await setup('record', 60);
  assert.equal(await runCompanion(['record', 'site', '--config', config]), 2);
  Object.assign(process.env, { SERVICE_RESULT: 'exec-condition', EXIT_CODE: '', EXIT_STATUS: '' });
  assert.equal(await runCompanion(['record', 'site', '--config', config]), 0);
  assert.throws(() => readFileSync(join(state, 'certs/site.json')), /ENOENT/);
});

test('record: a failed run with a usable certificate exits 0 and leaves renewal-failing state', async () => {
  const { config, state } = await setup('soft', 10);
  Object.assign(process.env, { SERVICE_RESULT: 'success', EXIT_CODE: 'exited', EXIT_STATUS: '11' });
  assert.equal(await runCompanion(['record', 'site', '--config', config]), 0);
  const st = JSON.parse(readFileSync(join(state, 'certs/site.json'), 'utf8'));
  assert.equal(st.consecutiveFailures, 1);
  assert.equal(st.lastError.message, 'the renewal command exited 11');
  assert.ok(st.failingSince);
});

test('the window fallback warning is given once per certificate', async () => {
  const { config, state } = await setup('fallback', 3, { renewBefore: '60d' });
  // 33-day lifetime, 60-day window: a third of the lifetime (11 days) decides; 3 days left: due.
  assert.equal(await runCompanion(['condition', 'site', '--config', config]), CONDITION.run);
  const st = JSON.parse(readFileSync(join(state, 'certs/site.json'), 'utf8'));
  assert.match(st.windowFallbackWarned, /^[0-9A-F]+$/);
});

test('companion without a subcommand is a usage error; an unknown one too', async () => {
  assert.equal(await runCompanion([]), 2);
  assert.equal(await runCompanion(['frobnicate']), 2);
});
