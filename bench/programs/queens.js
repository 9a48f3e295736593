// queens.js — queens.s in plain JavaScript: the same recursion over bit
// masks. `node queens.js [N]`.
const N = Number(process.argv[2] ?? 12);
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
process.stdout.write(`${solve(0, 0, 0)}\n`);
