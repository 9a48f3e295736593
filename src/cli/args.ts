/**
 * A small, strict option parser: every command declares its flags; anything
 * else is a usage error naming the flag. (node:util parseArgs throws
 * TypeErrors with its own wording; we want one clear line of ours.)
 */
import { UsageError } from './io.js';

export interface FlagSpec {
  /** takes a value (`--max-steps 100` or `--max-steps=100`) */
  readonly value?: boolean;
  readonly short?: string;
  /** may be given more than once (`--load a --load b`): every value is kept, in order, in `lists` */
  readonly repeat?: boolean;
}

export interface Parsed {
  readonly flags: Map<string, string | true>;
  readonly positional: string[];
  /** every value of a repeatable flag, in order (`flags` holds the last) */
  readonly lists: Map<string, string[]>;
}

export function parseArgs(command: string, args: readonly string[], spec: Readonly<Record<string, FlagSpec>>, usage: string): Parsed {
  const flags = new Map<string, string | true>();
  const positional: string[] = [];
  const lists = new Map<string, string[]>();
  const shorts = new Map(Object.entries(spec).flatMap(([k, v]) => (v.short ? [[v.short, k] as const] : [])));
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') {
      positional.push(...args.slice(i + 1));
      break;
    }
    if (a.startsWith('--') || (a.startsWith('-') && a.length > 1 && !/^-\d/.test(a))) {
      let name: string;
      let value: string | undefined;
      if (a.startsWith('--')) {
        const eq = a.indexOf('=');
        name = eq >= 0 ? a.slice(2, eq) : a.slice(2);
        value = eq >= 0 ? a.slice(eq + 1) : undefined;
      } else {
        const long = shorts.get(a.slice(1));
        if (!long) throw new UsageError(`trapeze ${command}: unknown option '${a}'\n${usage}`);
        name = long;
      }
      const f = Object.hasOwn(spec, name) ? spec[name] : undefined; // not inherited keys: '__proto__', 'constructor'
      if (!f) throw new UsageError(`trapeze ${command}: unknown option '--${name}'\n${usage}`);
      if (f.value) {
        if (value === undefined) {
          if (i + 1 >= args.length) throw new UsageError(`trapeze ${command}: option '--${name}' needs a value\n${usage}`);
          value = args[++i]!;
        }
        flags.set(name, value);
        if (f.repeat) lists.set(name, [...(lists.get(name) ?? []), value]);
      } else {
        if (value !== undefined) throw new UsageError(`trapeze ${command}: option '--${name}' takes no value\n${usage}`);
        flags.set(name, true);
      }
    } else positional.push(a);
  }
  return { flags, positional, lists };
}

/** A whole number in [min, max], or a usage error naming the flag. */
export function intFlag(command: string, p: Parsed, name: string, dflt: number, min: number, max: number): number {
  const v = p.flags.get(name);
  if (v === undefined) return dflt;
  const s = String(v).replace(/_/g, '');
  const n = /^(0x[0-9a-f]+|\d+)$/i.test(s) ? Number(s) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) throw new UsageError(`trapeze ${command}: --${name} must be a whole number from ${min} to ${max}, not '${v}'`);
  return n;
}

export function stringFlag(p: Parsed, name: string): string | undefined {
  const v = p.flags.get(name);
  return typeof v === 'string' ? v : undefined;
}
