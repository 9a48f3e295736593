/**
 * Share by URL: the program and its ISA travel in the fragment, and come
 * back exactly; a damaged link is one clear line, not an exception.
 */
import { describe, expect, it } from 'vitest';
import { decodeShare, encodeShare } from '../../web/src/ui/share.js';
import { programs } from '../library.js';

describe('share links', () => {
  it('carry every example and its ISA, exactly', async () => {
    for (const p of programs()) {
      const hash = await encodeShare({ source: p.source, isa: p.isa });
      expect(hash).toMatch(/^#(isa=[\w%-]+&)?z=[\w-]+$/);
      expect(await decodeShare(hash)).toEqual({ source: p.source, isa: p.isa });
    }
  });

  it('compress: the kernel fits in a link of a few kilobytes', async () => {
    const kernel = programs().find((p) => p.name === 'os/kernel.s')!;
    const hash = await encodeShare({ source: kernel.source, isa: 'auto' });
    expect(hash.length).toBeLessThan(kernel.source.length / 2);
    expect(hash).not.toContain('isa=');
  });

  it('carries a large program', async () => {
    const source = Array.from({ length: 20_000 }, (_, i) => `l${i}: addi r1, r1, ${i % 1000}`).join('\n');
    expect(await decodeShare(await encodeShare({ source, isa: 'auto' }))).toEqual({ source, isa: 'auto' });
  });

  it('keeps text that is not ASCII', async () => {
    const source = "msg: .string \"héllo, wörld, π ≈ 3.14 🙂\"\n";
    expect(await decodeShare(await encodeShare({ source, isa: 'pg32+vt' }))).toEqual({ source, isa: 'pg32+vt' });
  });

  it('no program in the fragment is null; a damaged one is an error line', async () => {
    expect(await decodeShare('')).toBeNull();
    expect(await decodeShare('#tab=classify')).toBeNull();
    const good = await encodeShare({ source: 'halt\n', isa: 'auto' });
    for (const bad of [good.slice(0, -4), '#z=!!!', '#z=AAAA', '#src=%%%']) {
      expect(await decodeShare(bad)).toEqual({ error: expect.stringMatching(/^the link does not hold a readable program/) });
    }
  });
});
