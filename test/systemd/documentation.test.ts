/**
 * The units' `Documentation=` must point at something the documented install steps install. The
 * install blocks of README.md and docs/systemd.md are run as written, with every absolute /usr/
 * and /etc/ path moved under a temporary root (the build and systemctl lines left out), and each
 * `file:` the units name must then exist there, as the file from docs/ it stands for.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { after, test } from 'node:test';
import { DIST, requireBuild } from '../cli/preflight-run.ts';
import { tempDir } from '../helpers/fixtures.ts';

const REPO = new URL('../..', import.meta.url).pathname;
const { dir, cleanup } = tempDir('certguard-doc-install-');
after(cleanup);

const UNIT_FILES = readdirSync(join(REPO, 'systemd')).filter((f) => /\.(service|timer)$/.test(f));

/** The shell lines of the first ```sh block after "## Install". */
function installBlock(doc: string): string[] {
  const text = readFileSync(join(REPO, doc), 'utf8');
  const section = text.slice(text.indexOf('\n## Install\n'));
  const block = /```sh\n([\s\S]*?)```/.exec(section);
  assert.ok(block, `${doc} has no install block`);
  return block[1]!.split('\n').filter((l) => l.trim() !== '');
}

function documentation(unit: string): string[] {
  const text = readFileSync(join(REPO, 'systemd', unit), 'utf8');
  return [...text.matchAll(/^Documentation=(.+)$/gm)].flatMap((m) => m[1]!.trim().split(/\s+/));
}

test('every unit names its documentation, as a file: URI (no network at hand on a broken host)', () => {
  assert.ok(UNIT_FILES.length >= 2);
  for (const unit of UNIT_FILES) {
    const uris = documentation(unit);
    assert.ok(uris.length > 0, `${unit} has no Documentation=`);
    for (const uri of uris) assert.match(uri, /^file:\//, `${unit}: ${uri}`);
  }
});

for (const doc of ['README.md', 'docs/systemd.md']) {
  test(`${doc}'s install steps install every file the units' Documentation= names`, () => {
    requireBuild();
    const root = join(dir, basename(doc, '.md'));
    // What any Debian host already has.
    for (const d of ['usr/bin', 'usr/lib', 'usr/share/doc', 'etc/systemd/system']) {
      mkdirSync(join(root, d), { recursive: true });
    }
    const lines = installBlock(doc)
      .filter((l) => !/^\s*(npm|systemctl)\s/.test(l))
      .map((l) =>
        l
          .replace(/\s+#.*$/, '')
          .replace(/(^|[\s=])\/(usr|etc)\//g, `$1${root}/$2/`)
          .replace(/(^|\s)dist\/\./g, `$1${DIST}/.`),
      );
    const r = spawnSync('bash', ['-euo', 'pipefail', '-c', lines.join('\n')], {
      cwd: REPO,
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, `${lines.join('\n')}\n${r.stderr}`);
    for (const unit of UNIT_FILES) {
      assert.ok(existsSync(join(root, 'etc/systemd/system', unit)), `${unit} not installed`);
      for (const uri of documentation(unit)) {
        const path = uri.replace(/^file:/, '');
        const installed = join(root, path);
        assert.ok(existsSync(installed), `${unit}: Documentation=${uri} is not installed by ${doc}`);
        const source = join(REPO, 'docs', basename(path));
        assert.equal(
          readFileSync(installed, 'utf8'),
          readFileSync(source, 'utf8'),
          `${uri} is not docs/${basename(path)}`,
        );
      }
    }
  });
}
