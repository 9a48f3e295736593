/**
 * Share by URL: the program travels in the fragment (never sent to a
 * server), deflated and base64url-encoded: #isa=pg32-x86&z=…  (or &src=…,
 * plain base64url, where the browser has no CompressionStream).
 */

function b64url(bytes: Uint8Array): string {
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
function unb64url(s: string): Uint8Array {
  const b = atob(s.replace(/-/g, '+').replace(/_/g, '/'));
  return Uint8Array.from(b, (c) => c.charCodeAt(0));
}

async function pipe(bytes: Uint8Array, stream: CompressionStream | DecompressionStream): Promise<Uint8Array> {
  const out = new Response(new Blob([bytes as BlobPart]).stream().pipeThrough(stream));
  return new Uint8Array(await out.arrayBuffer());
}

export interface Shared {
  readonly source: string;
  readonly isa: string;
}

export async function encodeShare(s: Shared): Promise<string> {
  const p = new URLSearchParams();
  if (s.isa && s.isa !== 'auto') p.set('isa', s.isa);
  const bytes = new TextEncoder().encode(s.source);
  if (typeof CompressionStream === 'function') p.set('z', b64url(await pipe(bytes, new CompressionStream('deflate'))));
  else p.set('src', b64url(bytes));
  return '#' + p.toString();
}

/** The program in a fragment, or null if there is none; an unreadable one is an error (one line). */
export async function decodeShare(hash: string): Promise<Shared | { error: string } | null> {
  const p = new URLSearchParams(hash.replace(/^#/, ''));
  const z = p.get('z');
  const src = p.get('src');
  if (z === null && src === null) return null;
  try {
    const bytes = z !== null ? await pipe(unb64url(z), new DecompressionStream('deflate')) : unb64url(src!);
    return { source: new TextDecoder('utf-8', { fatal: true }).decode(bytes), isa: p.get('isa') ?? 'auto' };
  } catch {
    return { error: 'the link does not hold a readable program (it may have been cut short); the last program you edited is shown instead' };
  }
}
