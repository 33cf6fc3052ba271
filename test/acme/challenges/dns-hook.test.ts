import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { challengeFqdn, DnsHookSolver } from '../../../src/acme/challenges/dns-hook.ts';
import { challengeProblem } from '../../../src/acme/challenges/solver.ts';
import { tempDir } from '../../helpers/fixtures.ts';

test('FQDN as lego passes it', () => {
  assert.equal(challengeFqdn('example.com'), '_acme-challenge.example.com.');
  assert.equal(challengeFqdn('*.example.com'), '_acme-challenge.example.com.');
  assert.equal(challengeFqdn('example.com.'), '_acme-challenge.example.com.');
});

test('wildcards need dns-01', () => {
  assert.match(challengeProblem(['a.com', '*.a.com'], { type: 'webroot', webroot: '/w' }) ?? '', /dns-01/);
  assert.equal(
    challengeProblem(['a.com', '*.a.com'], { type: 'dns', hook: '/h', propagationSeconds: 0 }),
    undefined,
  );
  assert.equal(challengeProblem(['a.com'], { type: 'http', listen: ':80' }), undefined);
});

test('runs HOOK present|cleanup FQDN VALUE as an argv array (no shell), cleanup failures only warn', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const log = join(dir, 'calls');
    const hook = join(dir, 'hook with space.sh');
    writeFileSync(
      hook,
      `#!/bin/sh\nprintf '%s|' "$@" >> '${log}'\necho >> '${log}'\n[ "$1" = cleanup ] && exit 4\nexit 0\n`,
      {
        mode: 0o755,
      },
    );
    const warnings: string[] = [];
    const solver = new DnsHookSolver(hook, 0, {
      signal: new AbortController().signal,
      deadlineMs: Date.now() + 30_000,
      log: (level, text) => {
        if (level === 'warning') warnings.push(text);
      },
    });
    const task = { domain: 'x.example.com', token: 't', value: 'va$(id)lue;rm -rf /' };
    await solver.present(task);
    await solver.ready();
    await solver.cleanup(task);
    assert.deepEqual(readFileSync(log, 'utf8').trim().split('\n'), [
      'present|_acme-challenge.x.example.com.|va$(id)lue;rm -rf /|',
      'cleanup|_acme-challenge.x.example.com.|va$(id)lue;rm -rf /|',
    ]);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /cleanup .* exited with 4/);
  } finally {
    cleanup();
  }
});

test('propagation wait stops at the deadline', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const hook = join(dir, 'ok.sh');
    writeFileSync(hook, '#!/bin/sh\nexit 0\n', { mode: 0o755 });
    const ac = new AbortController();
    const solver = new DnsHookSolver(hook, 3600, {
      signal: ac.signal,
      deadlineMs: Date.now() + 30_000,
      log: () => {},
    });
    await solver.present({ domain: 'x', token: 't', value: 'v' });
    const waiting = solver.ready();
    ac.abort();
    await assert.rejects(waiting, (err: unknown) => (err as Error).name === 'DeadlineExceeded');
  } finally {
    cleanup();
  }
});
