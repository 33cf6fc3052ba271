/**
 * What NixOS would put on disk for an evaluated nix/module.nix, as files for a systemd guest
 * (test/helpers/systemd-harness.ts): the unit files (rendered as NixOS renders them), /etc
 * entries, tmpfiles rules, the scripts the units run (from the stand-in trivial builders), and
 * the module's users and groups appended to the host's passwd/group files.
 */
import { readFileSync } from 'node:fs';
import type { GuestFile } from '../helpers/systemd-harness.ts';
import type { ModuleEval } from './nix-eval.ts';
import { renderService, renderTimer } from './render-unit.ts';

/** The package as the guest has it: the harness installs the CLI as /usr/bin/certguard(-preflight). */
export const GUEST_PACKAGE = {
  type: 'derivation',
  name: 'certguard',
  outPath: '/usr',
  meta: { mainProgram: 'certguard' },
};

/** Ids free in the host's passwd and group files, from 64 900 up. */
function freeIds(count: number): number[] {
  const used = new Set<number>();
  for (const f of ['/etc/passwd', '/etc/group']) {
    for (const line of readFileSync(f, 'utf8').split('\n')) used.add(Number(line.split(':')[2]));
  }
  const out: number[] = [];
  for (let id = 64_900; out.length < count; id++) if (!used.has(id)) out.push(id);
  return out;
}

export interface GuestSystem {
  files: GuestFile[];
  /** Unit file name -> text, for systemd-analyze verify. */
  units: Record<string, string>;
  uid: Record<string, number>;
  gid: Record<string, number>;
}

export function guestSystem(r: ModuleEval, extraGroups: string[] = []): GuestSystem {
  const units: Record<string, string> = {};
  for (const [name, u] of Object.entries(r.services)) units[`${name}.service`] = renderService(u);
  for (const [name, u] of Object.entries(r.timers)) units[`${name}.timer`] = renderTimer(u);

  const groups = [...new Set([...r.groups, ...extraGroups])].filter(
    (g) =>
      !readFileSync('/etc/group', 'utf8')
        .split('\n')
        .some((l) => l.startsWith(`${g}:`)),
  );
  const users = Object.keys(r.users);
  const ids = freeIds(groups.length + users.length);
  const gid = Object.fromEntries(groups.map((g, i) => [g, ids[i]!]));
  const uid = Object.fromEntries(users.map((u, i) => [u, ids[groups.length + i]!]));
  const hostGroup = readFileSync('/etc/group', 'utf8').trimEnd();
  const hostPasswd = readFileSync('/etc/passwd', 'utf8').trimEnd();
  const groupOf = (name: string) =>
    gid[name] ??
    Number(
      hostGroup
        .split('\n')
        .find((l) => l.startsWith(`${name}:`))
        ?.split(':')[2],
    );

  const files: GuestFile[] = [
    ...Object.entries(units).map(([name, content]) => ({ path: `/etc/systemd/system/${name}`, content })),
    ...Object.entries(r.etc).map(([name, content]) => ({ path: `/etc/${name}`, content: content ?? '' })),
    ...Object.entries(r.scripts).map(([path, content]) => ({ path, content, mode: 0o755 })),
    { path: '/etc/tmpfiles.d/certguard.conf', content: `${r.tmpfiles.join('\n')}\n` },
    {
      path: '/etc/group',
      content: `${[hostGroup, ...groups.map((g) => `${g}:x:${gid[g]}:`)].join('\n')}\n`,
    },
    {
      path: '/etc/passwd',
      content: `${[
        hostPasswd,
        ...users.map((u) => {
          const home = String(r.users[u]!.home ?? '/var/empty');
          return `${u}:x:${uid[u]}:${groupOf(String(r.users[u]!.group))}::${home}:/usr/sbin/nologin`;
        }),
      ].join('\n')}\n`,
    },
  ];
  return { files, units, uid, gid };
}
