// The environment the benchmarks run their commands in. By default that of a systemd service:
// without NODE_EXTRA_CA_CERTS and NODE_OPTIONS, which systemd does not pass on. NODE_EXTRA_CA_CERTS
// matters a lot: with it, every Node start parses that bundle (and Node's own roots) before the
// first line of a script, about 400 M instructions for Debian's 140-certificate bundle, 5x the
// 90 M of a bare start. Some shells and CI images set it globally; measured there, the floor
// (`node -e 0`) is 2.5-4x slower and every ratio to it looks much smaller than it is under systemd.
// `--extra-ca-certs FILE` measures that case on purpose (the floor and all commands alike).
// Shared by bench/preflight.mjs and bench/renew-vs-lego.ts.
export function benchEnv(args, base = process.env) {
  const env = { ...base };
  delete env.NODE_EXTRA_CA_CERTS;
  delete env.NODE_OPTIONS;
  const i = args.indexOf('--extra-ca-certs');
  const extra = i >= 0 ? args[i + 1] : undefined;
  if (i >= 0 && !extra) throw new Error('--extra-ca-certs needs a file');
  if (extra) env.NODE_EXTRA_CA_CERTS = extra;
  const label = extra
    ? `NODE_EXTRA_CA_CERTS=${extra} for every command (--extra-ca-certs)`
    : 'as under systemd: NODE_EXTRA_CA_CERTS and NODE_OPTIONS unset';
  return { env, label };
}
