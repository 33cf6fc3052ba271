import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { TestContext } from 'node:test';

const PROMTOOL = ['/usr/bin/promtool', '/usr/local/bin/promtool'].find((p) => existsSync(p));

/**
 * `promtool check metrics` (Debian package `prometheus`): parses the exposition text and lints it
 * against Prometheus naming conventions. Returns null, loudly, when promtool is not installed.
 */
export function promtoolCheck(t: TestContext, text: string): { status: number; output: string } | null {
  if (!PROMTOOL) {
    const why = 'SKIPPED: promtool not installed (Debian package "prometheus"): metrics not validated';
    console.warn(why);
    t.skip(why);
    return null;
  }
  const r = spawnSync(PROMTOOL, ['check', 'metrics'], { input: text, encoding: 'utf8' });
  return { status: r.status ?? -1, output: `${r.stdout}${r.stderr}`.trim() };
}
