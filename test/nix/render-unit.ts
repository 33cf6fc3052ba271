/**
 * Unit files from evaluated `systemd.services.<name>` / `systemd.timers.<name>`, written the way
 * NixOS writes them (nixos/lib/systemd-lib.nix: one `Key=value` line per list element, booleans as
 * true/false, `wants`/`after` joined by spaces, `path` becoming PATH). Lets the tests boot the
 * units the module generates under a real systemd.
 */
import type { EvalUnit } from './nix-eval.ts';

function toOption(v: unknown): string {
  if (v === true) return 'true';
  if (v === false) return 'false';
  return String(v);
}

function section(name: string, entries: [string, unknown][]): string {
  const lines: string[] = [];
  for (const [key, value] of entries) {
    for (const v of Array.isArray(value) ? value : [value]) lines.push(`${key}=${toOption(v)}`);
  }
  return lines.length ? `[${name}]\n${lines.join('\n')}\n` : '';
}

export function renderService(u: EvalUnit): string {
  const unit: [string, unknown][] = [];
  if (u.description) unit.push(['Description', u.description]);
  if (u.wants.length) unit.push(['Wants', u.wants.join(' ')]);
  if (u.after.length) unit.push(['After', u.after.join(' ')]);
  unit.push(...Object.entries(u.unitConfig));
  const service: [string, unknown][] = [];
  if (u.path.length) {
    const bins = u.path.flatMap((p) => [`${p}/bin`, `${p}/sbin`]);
    service.push(['Environment', `"PATH=${bins.join(':')}"`]);
  }
  service.push(...Object.entries(u.serviceConfig));
  const install: [string, unknown][] = u.wantedBy.length ? [['WantedBy', u.wantedBy.join(' ')]] : [];
  return [section('Unit', unit), section('Service', service), section('Install', install)]
    .filter(Boolean)
    .join('\n');
}

export function renderTimer(u: EvalUnit): string {
  const unit: [string, unknown][] = [];
  if (u.description) unit.push(['Description', u.description]);
  unit.push(...Object.entries(u.unitConfig));
  const install: [string, unknown][] = u.wantedBy.length ? [['WantedBy', u.wantedBy.join(' ')]] : [];
  return [section('Unit', unit), section('Timer', Object.entries(u.timerConfig)), section('Install', install)]
    .filter(Boolean)
    .join('\n');
}
