/**
 * Child process of crash.test.ts (bundled with esbuild at test time), killed with SIGKILL at random
 * instants. Modes:
 *   install DIR PAIRS.json   install the pairs in a loop, printing a line after each install
 *   renew SETTINGS.json      one forced renewal (the real renew flow against pebble)
 */
import { readFileSync, writeSync } from 'node:fs';
import type { CertSettings, GlobalSettings } from '../../src/config/settings.ts';
import { renewCertificate } from '../../src/renew/renew.ts';
import { type InstallFiles, installCertificate } from '../../src/store/install.ts';

const [mode, a, b] = process.argv.slice(2);
if (mode === 'install') {
  const pairs = JSON.parse(readFileSync(b!, 'utf8')) as InstallFiles[];
  writeSync(1, 'ready\n');
  for (let i = 0; ; i++) {
    installCertificate(a!, pairs[i % pairs.length]!);
    writeSync(1, `${i}\n`);
  }
} else if (mode === 'renew') {
  const { settings, global } = JSON.parse(readFileSync(a!, 'utf8')) as {
    settings: CertSettings;
    global: GlobalSettings;
  };
  const o = await renewCertificate(settings, global, { force: true, ari: false, log: () => {} });
  writeSync(1, `${o.action}\n`);
}
