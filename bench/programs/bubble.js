// bubble.js — bubble.s in plain JavaScript: the same fill, sort and checksum
// (int32 arithmetic, one Int32Array element per guest word). `node bubble.js [N]`
// prints what the guest prints; the tests import bubble().
import { pathToFileURL } from 'node:url';

export function bubble(N) {
  const a = new Int32Array(N);
  let x = 12345;
  for (let i = 0; i < N; i++) {
    x = (Math.imul(x, 1103515245) + 12345) | 0;
    a[i] = x;
  }
  for (let end = N - 1; end > 0; end--) {
    let swapped = false;
    for (let p = 0; p < end; p++) {
      const u = a[p], v = a[p + 1];
      if (v < u) {
        a[p] = v;
        a[p + 1] = u;
        swapped = true;
      }
    }
    if (!swapped) break;
  }
  let h = 0;
  for (let i = 0; i < N; i++) h = (Math.imul(h, 31) + a[i]) | 0;
  return `${h}\n`;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) process.stdout.write(bubble(Number(process.argv[2] ?? 7000)));
