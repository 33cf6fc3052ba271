/**
 * Child of crash.test.ts (bundled at test time), killed with SIGKILL at random instants: installs
 * the pairs of PAIRS.json into DIR in a loop, printing a line after each completed install.
 */
import { readFileSync, writeSync } from 'node:fs';
import { type InstallFiles, installCertificate } from '../../src/store/install.ts';

const [dir, pairsFile] = process.argv.slice(2);
const pairs = JSON.parse(readFileSync(pairsFile!, 'utf8')) as InstallFiles[];
writeSync(1, 'ready\n');
for (let i = 0; ; i++) {
  installCertificate(dir!, pairs[i % pairs.length]!);
  writeSync(1, `${i}\n`);
}
