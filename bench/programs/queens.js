// queens.js — queens.s in plain JavaScript: the same recursion over bit
// masks. `node queens.js [N]` prints what the guest prints; the tests import queens().
import { pathToFileURL } from 'node:url';

export function queens(N) {
  const FULL = (1 << N) - 1;
  function solve(cols, ld, rd) {
    if (cols === FULL) return 1;
    let avail = ~(cols | ld | rd) & FULL;
    let count = 0;
    while (avail !== 0) {
      const bit = avail & -avail;
      avail -= bit;
      count += solve(cols | bit, ((ld | bit) << 1) | 0, (rd | bit) >>> 1);
    }
    return count;
  }
  return `${solve(0, 0, 0)}\n`;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) process.stdout.write(queens(Number(process.argv[2] ?? 12)));
