/**
 * Priority prefixes appear only when stdout/stderr really is the stream systemd named in
 * JOURNAL_STREAM. A child process writes to real files; JOURNAL_STREAM is set to their dev:ino.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, openSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { journalConnected } from '../../src/output/journal.ts';
import { tempDir } from '../helpers/fixtures.ts';

const { dir, cleanup } = tempDir();
after(cleanup);

const script = `
import { writeLine } from ${JSON.stringify(new URL('../../src/output/journal.ts', import.meta.url).href)};
writeLine('info', 'all good');
writeLine('warning', 'renewal due\\nsoon');
writeLine('err', 'broken');
`;

let n = 0;
/** Runs the script with stdout and stderr on files; `stream` picks which file JOURNAL_STREAM names. */
function run(stream: 'stdout' | 'stderr' | 'other' | 'none'): { out: string; err: string } {
  const outPath = join(dir, `out-${n}`);
  const errPath = join(dir, `err-${n++}`);
  const out = openSync(outPath, 'w');
  const err = openSync(errPath, 'w');
  try {
    const target = stream === 'stdout' ? outPath : stream === 'stderr' ? errPath : dir;
    const st = statSync(target);
    const env: NodeJS.ProcessEnv = { ...process.env, JOURNAL_STREAM: `${st.dev}:${st.ino}` };
    if (stream === 'none') delete env.JOURNAL_STREAM;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      stdio: ['ignore', out, err],
      env,
    });
    assert.equal(r.status, 0);
  } finally {
    closeSync(out);
    closeSync(err);
  }
  return { out: readFileSync(outPath, 'utf8'), err: readFileSync(errPath, 'utf8') };
}

describe('writeLine', () => {
  test('JOURNAL_STREAM names stdout: info line gets <6>, stderr lines none', () => {
    const r = run('stdout');
    assert.equal(r.out, '<6>all good\n');
    assert.equal(r.err, 'renewal due soon\nbroken\n');
  });

  test('JOURNAL_STREAM names stderr: <4> warning and <3> error, one line each', () => {
    const r = run('stderr');
    assert.equal(r.out, 'all good\n');
    assert.equal(r.err, '<4>renewal due soon\n<3>broken\n');
  });

  test('JOURNAL_STREAM inherited but naming another file: no prefixes', () => {
    const r = run('other');
    assert.equal(r.out, 'all good\n');
    assert.equal(r.err, 'renewal due soon\nbroken\n');
  });

  test('no JOURNAL_STREAM: no prefixes', () => {
    const r = run('none');
    assert.equal(r.out, 'all good\n');
    assert.equal(r.err, 'renewal due soon\nbroken\n');
  });
});

describe('journalConnected', () => {
  test('false for a closed fd or a malformed variable', () => {
    assert.equal(journalConnected(987, { JOURNAL_STREAM: '1:2' }), false);
    assert.equal(journalConnected(1, { JOURNAL_STREAM: 'garbage' }), false);
    assert.equal(journalConnected(1, {}), false);
  });
});
