/**
 * Measure: the monitor nanobenchmarks in the page, as they finish, with a
 * grouped bar chart of the round trips (one group per operation, one bar
 * per machine) and the counts behind it.
 */
import type { BenchView, FromLab, ToLab } from '../protocol.js';
import { byId, fmt, h, svg } from './dom.js';
import type { Port } from './workers.js';

const COLOURS = ['#475569', '#2563eb', '#c2410c', '#15803d', '#7e22ce', '#b91c1c'];

export class MeasurePanel {
  constructor(
    private readonly lab: Port<ToLab>,
    private readonly setStatus: (state: string, message: string) => void,
  ) {
    byId<HTMLFormElement>('bench-form').addEventListener('submit', (e) => {
      e.preventDefault();
      this.run();
    });
    byId('bench-stop').addEventListener('click', () => lab.stop({ kind: 'stop' }));
  }

  run(): void {
    const k = Number(byId<HTMLInputElement>('bench-k').value);
    if (!Number.isInteger(k) || k < 100 || k > 10_000_000) {
      byId('bench-status').textContent = 'iterations must be a whole number from 100 to 10000000';
      return;
    }
    byId('bench-status').textContent = 'measuring…';
    this.lab.send({ kind: 'bench', iterations: k });
  }

  onMessage(m: FromLab): void {
    if (m.kind === 'bench') {
      this.render(m.result);
      byId('bench-status').textContent = m.final ? `done: ${m.result.rows.length} runs` : `measuring… ${m.result.rows.length} of ${m.result.machines.length * 7}`;
      if (m.final) this.setStatus('done', 'nanobenchmarks measured');
    } else if (m.kind === 'error') {
      byId('bench-status').textContent = m.message;
    } else if (m.kind === 'stopped') {
      byId('bench-status').textContent = 'stopped';
    }
  }

  private render(b: BenchView): void {
    byId('bench-table').replaceChildren(
      h('thead', {}, h('tr', {}, ...['operation', 'machine', 'guest instructions', 'round trips', 'monitor entries', 'best run (ms)', 'round trip (ns)'].map((x) => h('th', { scope: 'col' }, x)))),
      h('tbody', {},
        ...b.rows.map((r) =>
          h('tr', {},
            h('th', { scope: 'row', title: r.what }, r.op),
            h('td', {}, r.machine),
            h('td', { class: 'num' }, fmt(r.instructions)),
            h('td', { class: 'num' }, fmt(r.trips)),
            h('td', { class: 'num' }, fmt(r.entries)),
            h('td', { class: 'num' }, r.ms.toFixed(2)),
            h('td', { class: 'num' }, r.roundTripNs === null ? '—' : r.roundTripNs.toFixed(0)),
          ),
        ),
      ),
    );
    byId('bench-chart').replaceChildren(chart(b));
  }
}

/** Grouped bars: round trip in ns per operation and machine. */
export function chart(b: BenchView): SVGElement {
  const ops = [...new Set(b.rows.filter((r) => r.roundTripNs !== null).map((r) => r.op))];
  const width = 960;
  const height = 300;
  const left = 64;
  const bottom = 48;
  const plotH = height - bottom - 16;
  const step = niceStep(Math.max(1, ...b.rows.map((r) => r.roundTripNs ?? 0)) / 4);
  const max = step * 4;
  const groupW = (width - left - 16) / Math.max(1, ops.length);
  const barW = Math.min(36, (groupW - 16) / b.machines.length);
  const root = svg('svg', { width, height, viewBox: `0 0 ${width} ${height}`, role: 'img', class: 'bench-svg' });
  root.setAttribute('aria-label', `round trip in nanoseconds for ${ops.join(', ')} on ${b.machines.join(', ')}`);
  // y axis and grid
  for (let k = 0; k <= 4; k++) {
    const y = 16 + plotH - (plotH * k) / 4;
    root.append(svg('line', { x1: left, x2: width - 16, y1: y, y2: y, class: 'grid' }));
    root.append(svg('text', { x: left - 6, y: y + 4, 'text-anchor': 'end', class: 'tick' }, fmt(step * k)));
  }
  root.append(svg('text', { x: 12, y: 16 + plotH / 2, transform: `rotate(-90 12 ${16 + plotH / 2})`, 'text-anchor': 'middle', class: 'tick' }, 'ns per round trip'));
  ops.forEach((op, gi) => {
    const gx = left + gi * groupW + 8;
    b.machines.forEach((m, mi) => {
      const r = b.rows.find((x) => x.op === op && x.machine === m);
      if (!r || r.roundTripNs === null) return;
      const v = Math.max(0, r.roundTripNs);
      const hgt = (plotH * v) / max;
      const g = svg('g', {});
      g.append(svg('title', {}, `${op} on ${m}: ${v.toFixed(0)} ns per round trip (${fmt(r.trips)} round trips, ${fmt(r.entries)} monitor entries)`));
      g.append(svg('rect', { x: gx + mi * barW, y: 16 + plotH - hgt, width: barW - 3, height: Math.max(hgt, 0.5), fill: COLOURS[mi % COLOURS.length]! }));
      root.append(g);
    });
    root.append(svg('text', { x: gx + (barW * b.machines.length) / 2, y: height - bottom + 18, 'text-anchor': 'middle', class: 'tick' }, op));
  });
  b.machines.forEach((m, mi) => {
    const x = left + mi * 150;
    root.append(svg('rect', { x, y: height - 18, width: 12, height: 12, fill: COLOURS[mi % COLOURS.length]! }));
    root.append(svg('text', { x: x + 18, y: height - 8, class: 'tick' }, m));
  });
  return root;
}

/** 1, 2 or 5 times a power of ten, at least `x`. */
export function niceStep(x: number): number {
  const p = 10 ** Math.floor(Math.log10(x));
  return [1, 2, 5, 10].map((m) => m * p).find((s) => s >= x)!;
}
