// hash.js — hash.s in plain JavaScript: the same keys, table and probing.
// `node hash.js [M]` prints what the guest prints; the tests import hash().
import { pathToFileURL } from 'node:url';

export function hash(M) {
  const SLOTS = 32768;
  const table = new Int32Array(SLOTS);
  let x = 12345, distinct = 0, probes = 0;
  for (let i = 0; i < M; i++) {
    x = (Math.imul(x, 1103515245) + 12345) | 0;
    const key = ((x >>> 16) & 16383) + 1;
    let slot = Math.imul(key, 0x9e3779b1) >>> 17;
    for (;;) {
      const t = table[slot];
      if (t === key) break;
      if (t === 0) {
        table[slot] = key;
        distinct++;
        break;
      }
      slot = (slot + 1) & (SLOTS - 1);
      probes++;
    }
  }
  return `${distinct}\n${probes}\n`;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) process.stdout.write(hash(Number(process.argv[2] ?? 8000000)));
