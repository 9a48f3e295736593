/**
 * The cost model of the monitors suite: modelled cycles = the events a run
 * counted × what each costs (bench/costmodel.json, where every number has its
 * source). One formula for every machine; a count a monitor does not have is
 * zero:
 *
 *   instruction  every guest instruction that ran on the hardware: directly,
 *                natively, or as ident translated code
 *   interpret    every instruction the hybrid monitor interpreted
 *   rewrite      every rewritten instruction bt ran (its routine, no trap)
 *   translate    every instruction bt translated
 *   lookup       every translation-cache lookup (a transfer not chained)
 *   trap         every hardware trap into the monitor (trap-and-emulate,
 *                hybrid, bt: traps from directly run code), and every trap
 *                the guest's kernel took natively (bare; hw, in guest mode)
 *   exit         every VM exit (hw)
 *   emulate      every instruction the monitor emulated, and every hypercall
 *   reflect      every trap the monitor delivered into the guest in software
 *   callout      every trap bt's translated code handed to the monitor
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BENCH_DIR } from './lib.js';

export const COST_NAMES = ['instruction', 'interpret', 'rewrite', 'translate', 'lookup', 'trap', 'exit', 'emulate', 'reflect', 'callout'] as const;
export type CostName = (typeof COST_NAMES)[number];
export type Costs = Record<CostName, number>;

export interface CostEntry {
  readonly cycles: number;
  readonly what: string;
  readonly status: string;
  readonly source: string;
}

export interface CostModel {
  readonly costs: Costs;
  /** the data file's entries, for the report */
  readonly entries: Record<CostName, CostEntry>;
  /** what the user changed for this run (--costs), in words; '' if nothing */
  readonly overridden: string;
}

/** Events a run counted, the model's inputs. */
export type Counts = Record<CostName, number>;

export const ZERO: Counts = Object.fromEntries(COST_NAMES.map((n) => [n, 0])) as Counts;

export function cycles(c: Counts, m: CostModel): number {
  let n = 0;
  for (const k of COST_NAMES) n += c[k] * m.costs[k];
  return n;
}

export function minus(a: Counts, b: Counts): Counts {
  return Object.fromEntries(COST_NAMES.map((k) => [k, a[k] - b[k]])) as Counts;
}

const DEFAULT_FILE = join(BENCH_DIR, 'costmodel.json');

/**
 * The model from bench/costmodel.json, or from `spec`: a JSON file of the
 * same shape, or overrides `name=cycles,name=cycles`. A bad spec is one
 * clear error.
 */
export function loadCostModel(spec?: string): CostModel {
  const base = readModel(DEFAULT_FILE);
  if (!spec) return { ...base, overridden: '' };
  if (/^[a-z]+=/.test(spec)) {
    const costs = { ...base.costs };
    for (const part of spec.split(',')) {
      const m = /^([a-z]+)=(\d+(?:\.\d+)?)$/.exec(part.trim());
      if (!m) throw new Error(`--costs: '${part}' is not NAME=CYCLES (names: ${COST_NAMES.join(', ')})`);
      if (!(COST_NAMES as readonly string[]).includes(m[1]!)) throw new Error(`--costs: unknown cost '${m[1]}' (names: ${COST_NAMES.join(', ')})`);
      costs[m[1] as CostName] = Number(m[2]);
    }
    return { costs, entries: base.entries, overridden: spec };
  }
  const file = readModel(spec);
  return { ...file, overridden: `the model in ${spec}` };
}

function readModel(path: string): Omit<CostModel, 'overridden'> {
  let data: { costs?: Record<string, Partial<CostEntry>> };
  try {
    data = JSON.parse(readFileSync(path, 'utf8')) as typeof data;
  } catch (e) {
    throw new Error(`cost model ${path}: ${(e as Error).message}`);
  }
  const costs = {} as Costs;
  const entries = {} as Record<CostName, CostEntry>;
  for (const n of COST_NAMES) {
    const e = data.costs?.[n];
    if (!e || typeof e.cycles !== 'number' || !(e.cycles >= 0)) throw new Error(`cost model ${path}: costs.${n}.cycles must be a number of cycles ≥ 0`);
    costs[n] = e.cycles;
    entries[n] = { cycles: e.cycles, what: e.what ?? '', status: e.status ?? '', source: e.source ?? '' };
  }
  return { costs, entries };
}
