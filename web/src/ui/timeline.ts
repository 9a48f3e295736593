/**
 * The VMM timeline as SVG: one lane per VM, a bar for every time slice the
 * monitor gave it (x = guest steps of all VMs together), and marks where
 * the monitor did something: ○ traps into the monitor, ▲ emulations, ▼
 * reflections into the guest, ■ exits from hardware guest mode (hw), |
 * translations (bt), ● hypercalls, ◆ where the VM ends (halt, check-stop,
 * step limit). Events are placed at their exact step (the monitor's own
 * listener told them); past the run's MAX_EVENTS, slices carry their
 * counts. With more slices or events than pixels, they are merged per
 * pixel column.
 */
import type { Slice, VmEvent, VmmView } from '../protocol.js';
import { fmt, hex, svg } from './dom.js';

/** lane colours: distinct, and dark enough for white marks and text */
export const VM_COLOURS = ['#2563eb', '#c2410c', '#15803d', '#7e22ce', '#b91c1c', '#0e7490', '#a16207', '#be185d'];
const MARK = { emulation: '#0f172a', reflection: '#b45309', trap: '#475569', exit: '#7e22ce', translation: '#ffffff', hypercall: '#15803d', end: '#111827' };

const LANE = 34;
const BAR = 14;
const LEFT = 110;
const TOP = 8;

interface Bucket {
  vm: number;
  /** the guest step the last merged slice ends at */
  end: number;
  x0: number;
  x1: number;
  steps: number;
  traps: number;
  emulations: number;
  reflections: number;
  exits: number;
  translations: number;
  hypercalls: number;
  ended: string | null;
  slices: number;
  causes: string[];
}

export function timeline(run: VmmView, width: number): SVGElement {
  const lanes = run.vms.length;
  const plot = Math.max(200, width - LEFT - 48); // room on the right for the last exit label
  const height = TOP + lanes * LANE + 40;
  const total = Math.max(1, run.slices.reduce((n, s) => Math.max(n, s.start + s.steps), 0));
  const scale = plot / total;
  const root = svg('svg', { width, height, viewBox: `0 0 ${width} ${height}`, role: 'img', class: 'timeline-svg' });
  const summary = `${run.vms.length} VMs under ${run.monitor}: ${fmt(run.totalSteps)} guest steps in ${fmt(run.sliceCount)} slices${run.sliceCount > run.slices.length ? ` (the first ${fmt(run.slices.length)} drawn)` : ''}`;
  root.setAttribute('aria-label', summary);
  root.append(svg('title', {}, summary));

  run.vms.forEach((vm, i) => {
    const y = TOP + i * LANE;
    root.append(svg('text', { x: LEFT - 8, y: y + BAR + 2, 'text-anchor': 'end', class: 'lane-label' }, vm.name));
    root.append(svg('line', { x1: LEFT, x2: LEFT + plot, y1: y + BAR / 2 + 4, y2: y + BAR / 2 + 4, class: 'lane-line' }));
  });

  for (const b of buckets(run.slices, scale)) {
    const y = TOP + b.vm * LANE + 4;
    const colour = VM_COLOURS[b.vm % VM_COLOURS.length]!;
    const w = Math.max(1, b.x1 - b.x0);
    const tip = `${run.vms[b.vm]?.name}: ${b.slices === 1 ? 'a slice' : `${b.slices} slices`} of ${fmt(b.steps)} steps` +
      (b.traps ? `; ${fmt(b.traps)} traps into the monitor (${b.causes.join('; ')})` : '') +
      (b.emulations ? `; ${fmt(b.emulations)} emulated` : '') +
      (b.reflections ? `; ${fmt(b.reflections)} reflected to the guest` : '') +
      (b.exits ? `; ${fmt(b.exits)} exits from guest mode` : '') +
      (b.translations ? `; ${fmt(b.translations)} blocks translated` : '') +
      (b.hypercalls ? `; ${fmt(b.hypercalls)} hypercalls` : '') +
      (b.ended ? `; the VM ends: ${b.ended}` : '');
    const g = svg('g', { class: 'slice' });
    g.append(svg('title', {}, tip));
    g.append(svg('rect', { x: LEFT + b.x0, y, width: w, height: BAR, fill: colour }));
    const cx = LEFT + b.x0 + w / 2;
    const counted = b.end > run.detailedUntil; // its events were not recorded one by one
    if (counted && b.emulations) g.append(svg('path', { d: `M${cx - 3},${y - 1} l3,-5 l3,5 z`, fill: MARK.emulation }));
    if (counted && b.reflections) g.append(svg('path', { d: `M${cx - 3},${y + BAR + 1} l3,5 l3,-5 z`, fill: MARK.reflection }));
    if (counted && b.traps) g.append(svg('circle', { cx, cy: y + BAR / 2, r: 2, fill: '#fff', stroke: MARK.trap }));
    if (counted && b.exits) g.append(svg('rect', { x: cx - 2.5, y: y + BAR / 2 - 2.5, width: 5, height: 5, fill: MARK.exit }));
    if (counted && b.translations) g.append(translateMark(cx, y));
    if (counted && b.hypercalls) g.append(svg('circle', { cx, cy: y - 4, r: 2.5, fill: MARK.hypercall }));
    if (b.ended) {
      const ex = LEFT + b.x1;
      g.append(svg('path', { d: `M${ex},${y - 3} l5,${BAR / 2 + 3} l-5,${BAR / 2 + 3} l-5,${-BAR / 2 - 3} z`, fill: MARK.end }));
      g.append(svg('text', { x: ex + 8, y: y + BAR - 2, class: 'exit-label' }, b.ended));
    }
    root.append(g);
  }

  for (const m of eventMarks(run.events, scale)) {
    const y = TOP + m.vm * LANE + 4;
    const cx = LEFT + m.x;
    const g = svg('g', { class: `event ${m.kind}` });
    g.append(svg('title', {}, m.tip));
    if (m.kind === 'emulate') g.append(svg('path', { d: `M${cx - 3},${y - 1} l3,-5 l3,5 z`, fill: MARK.emulation }));
    else if (m.kind === 'reflect') g.append(svg('path', { d: `M${cx - 3},${y + BAR + 1} l3,5 l3,-5 z`, fill: MARK.reflection }));
    else if (m.kind === 'exit') g.append(svg('rect', { x: cx - 2.5, y: y + BAR / 2 - 2.5, width: 5, height: 5, fill: MARK.exit }));
    else if (m.kind === 'translate') g.append(translateMark(cx, y));
    else if (m.kind === 'hypercall') g.append(svg('circle', { cx, cy: y - 4, r: 2.5, fill: MARK.hypercall }));
    else g.append(svg('circle', { cx, cy: y + BAR / 2, r: 2, fill: '#fff', stroke: MARK.trap }));
    root.append(g);
  }

  // The step axis.
  const ay = TOP + lanes * LANE + 6;
  root.append(svg('line', { x1: LEFT, x2: LEFT + plot, y1: ay, y2: ay, class: 'axis' }));
  for (let k = 0; k <= 4; k++) {
    const x = LEFT + (plot * k) / 4;
    root.append(svg('line', { x1: x, x2: x, y1: ay, y2: ay + 4, class: 'axis' }));
    root.append(svg('text', { x, y: ay + 16, 'text-anchor': k === 0 ? 'start' : k === 4 ? 'end' : 'middle', class: 'tick' }, fmt((total * k) / 4)));
  }
  root.append(svg('text', { x: LEFT - 8, y: ay + 16, 'text-anchor': 'end', class: 'tick' }, 'guest steps'));
  return root;
}

/** a translation: a thin white tick across the bar */
const translateMark = (cx: number, y: number) => svg('line', { x1: cx, x2: cx, y1: y + 2, y2: y + BAR - 2, stroke: MARK.translation, 'stroke-width': 1.5 });

/** Slices merged so that no two marks fall in one pixel column of one lane. */
function buckets(slices: readonly Slice[], scale: number): Bucket[] {
  const out: Bucket[] = [];
  const open = new Map<number, Bucket>();
  for (const s of slices) {
    const x0 = s.start * scale;
    const x1 = (s.start + s.steps) * scale;
    let b = open.get(s.vm);
    if (b && Math.floor(x0) <= Math.floor(b.x0) && !b.ended) {
      b.x1 = x1;
      b.steps += s.steps;
      b.traps += s.traps;
      b.emulations += s.emulations;
      b.reflections += s.reflections;
      b.exits += s.exits;
      b.translations += s.translations;
      b.hypercalls += s.hypercalls;
      b.ended = s.ended;
      b.end = s.start + s.steps;
      b.slices++;
      if (s.causes && b.causes.length < 4) b.causes.push(s.causes);
    } else {
      b = { vm: s.vm, end: s.start + s.steps, x0, x1, steps: s.steps, traps: s.traps, emulations: s.emulations, reflections: s.reflections, exits: s.exits, translations: s.translations, hypercalls: s.hypercalls, ended: s.ended, slices: 1, causes: s.causes ? [s.causes] : [] };
      out.push(b);
      open.set(s.vm, b);
    }
  }
  return out;
}

interface Mark {
  readonly vm: number;
  readonly kind: VmEvent['kind'];
  readonly x: number;
  tip: string;
  n: number;
}

/** Events merged per lane, kind and pixel column, each with a tooltip. */
function eventMarks(events: readonly VmEvent[], scale: number): Mark[] {
  const marks = new Map<string, Mark>();
  const verb = { emulate: 'emulated by', reflect: 'reflected into the guest:', trap: 'trapped into the monitor:', exit: 'exit from guest mode:', translate: 'translated a block of', hypercall: 'hypercall' } as const;
  for (const e of events) {
    const x = Math.floor((e.at + 0.5) * scale);
    const key = `${e.vm} ${e.kind} ${x}`;
    const m = marks.get(key);
    const line = `step ${fmt(e.at)}, pc ${hex(e.pc)}: ${verb[e.kind]} ${e.what}`;
    if (m) {
      m.n++;
      if (m.n <= 6) m.tip += `\n${line}`;
      else if (m.n === 7) m.tip += '\n…';
    } else marks.set(key, { vm: e.vm, kind: e.kind, x: (e.at + 0.5) * scale, tip: line, n: 1 });
  }
  return [...marks.values()];
}

/** What the marks mean, and how far they are exact. */
export function legend(run: VmmView): HTMLElement {
  const el = document.createElement('p');
  el.className = 'legend';
  el.innerHTML =
    '<span aria-hidden="true">○</span> trap into the monitor &nbsp; <span aria-hidden="true">▲</span> emulated by the monitor &nbsp; <span aria-hidden="true" style="color:#b45309">▼</span> reflected into the guest &nbsp; ' +
    '<span aria-hidden="true" style="color:#7e22ce">■</span> VM exit (hw) &nbsp; <span aria-hidden="true">|</span> block translated (bt) &nbsp; <span aria-hidden="true" style="color:#15803d">●</span> hypercall &nbsp; ' +
    '<span aria-hidden="true">◆</span> the VM ends (halt, check-stop, step limit). ';
  el.append(exactness(run));
  return el;
}

/** One sentence: are the marks exact, and if events were capped, from where on the bars carry counts. */
export function exactness(run: VmmView): string {
  const drawn = run.slices.reduce((n, s) => Math.max(n, s.start + s.steps), 0);
  const slices = run.sliceCount > run.slices.length ? ` The timeline draws the first ${fmt(run.slices.length)} of ${fmt(run.sliceCount)} slices (${fmt(drawn)} of ${fmt(run.totalSteps)} guest steps).` : '';
  const below = run.depth === 2 ? 'the monitor below it is' : `the ${run.depth - 1} monitors below it are`;
  const whose = run.depth > 1 ? ` The marks are the innermost monitor's, whose VMs are the guests; ${below} not drawn.` : '';
  if (!run.capped) return `Every mark is at its exact step (${fmt(run.events.length)} events); hover one for what happened.${whose}`;
  const after = run.detailedUntil < drawn ? "; after that a bar carries its slice's counts (hover it)" : '';
  return `Events capped: the first ${fmt(run.events.length)} of ${fmt(run.eventCount)} events are marked at their exact steps (the first ${fmt(run.detailedUntil)} guest steps)${after}.${slices}${whose}`;
}
