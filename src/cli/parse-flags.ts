import { UsageError } from '../exit-codes.ts';
import { nearest, quoted } from './did-you-mean.ts';

export interface FlagSpec {
  /** Takes a value (`--cert FILE`); otherwise a boolean switch. */
  value?: boolean;
  /** May be repeated; values collect into an array. */
  repeat?: boolean;
  /** For switches that may carry a value (`--renew-inline` or `--renew-inline=30s`). */
  optionalValue?: boolean;
}

export interface ParsedFlags {
  flags: Record<string, string | string[] | boolean>;
  positionals: string[];
}

/**
 * A small, dependency-free flag parser for the preflight path, where loading yargs would cost more
 * start-up time than the whole check (see bench/). Accepts `--flag value` and `--flag=value`.
 *
 * It is also the one voice of every command's argument errors: `status`, which yargs parses, runs
 * its arguments through here first (see yargs-cli.ts), so a repeated option, a missing value or an
 * unknown option reads the same whichever command it was given to.
 */
export function parseFlags(argv: readonly string[], spec: Record<string, FlagSpec>): ParsedFlags {
  const flags: ParsedFlags['flags'] = {};
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = (eq === -1 ? arg : arg.slice(0, eq)).slice(arg.startsWith('--') ? 2 : 1);
    const s = spec[name];
    if (!s) throw unknownOption(eq === -1 ? arg : arg.slice(0, eq), spec);
    let value: string | boolean;
    if (s.value) {
      // `--cert --json` is a forgotten value, not a file named "--json" (write --cert=--json for that).
      const next = argv[i + 1];
      if (eq !== -1) value = arg.slice(eq + 1);
      else if (next !== undefined && !(next.startsWith('-') && next.length > 1)) value = argv[++i]!;
      else throw new UsageError(`option --${name} needs a value`);
      if (value === '') throw new UsageError(`option --${name} needs a value`);
    } else if (s.optionalValue) {
      value = eq === -1 ? true : arg.slice(eq + 1);
    } else {
      if (eq !== -1) throw new UsageError(`option --${name} takes no value`);
      value = true;
    }
    if (s.repeat) {
      const list = (flags[name] as string[] | undefined) ?? [];
      list.push(String(value));
      flags[name] = list;
    } else if (name in flags) {
      throw new UsageError(`option --${name} given twice`);
    } else {
      flags[name] = value;
    }
  }
  return { flags, positionals };
}

/** `unknown option --cofnig (did you mean --config?)`; an odd-looking option is shown quoted. */
function unknownOption(option: string, spec: Record<string, FlagSpec>): UsageError {
  const shown = /^--?[A-Za-z0-9][A-Za-z0-9-]{0,40}$/.test(option) ? option : quoted(option);
  const long = Object.keys(spec).filter((k) => k.length > 1);
  const guess = nearest(option.replace(/^--?/, ''), long);
  return new UsageError(`unknown option ${shown}${guess ? ` (did you mean --${guess}?)` : ''}`);
}
