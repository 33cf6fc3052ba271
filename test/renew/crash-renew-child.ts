/**
 * Child of crash.test.ts (bundled at test time), killed with SIGKILL at random instants: one
 * forced renewal through the real renew flow, printing the outcome's action when it completes.
 */
import { readFileSync, writeSync } from 'node:fs';
import type { CertSettings, GlobalSettings } from '../../src/config/settings.ts';
import { renewCertificate } from '../../src/renew/renew.ts';

const { settings, global } = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as {
  settings: CertSettings;
  global: GlobalSettings;
};
const o = await renewCertificate(settings, global, { force: true, ari: false, log: () => {} });
writeSync(1, `${o.action}\n`);
