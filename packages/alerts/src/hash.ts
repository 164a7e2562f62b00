/**
 * FNV-1a, 64 bits, over the UTF-8 bytes of a string, as 16 hex digits. Deterministic on every platform,
 * which is all an alert id needs (not a cryptographic hash). Four 16-bit limbs keep the arithmetic exact.
 */
const encoder = new TextEncoder();

export function fnv1a64(text: string): string {
  let h0 = 0x2325;
  let h1 = 0x8422;
  let h2 = 0x9ce4;
  let h3 = 0xcbf2;
  const bytes = encoder.encode(text);
  for (let i = 0; i < bytes.length; i++) {
    h0 ^= bytes[i] as number;
    // h * 0x100000001b3 = h * 0x1b3 + (h << 40)
    const t0 = h0 * 0x1b3;
    const t1 = h1 * 0x1b3;
    const t2 = h2 * 0x1b3 + h0 * 0x100;
    const t3 = h3 * 0x1b3 + h1 * 0x100;
    h0 = t0 & 0xffff;
    const u1 = t1 + (t0 >>> 16);
    h1 = u1 & 0xffff;
    const u2 = t2 + (u1 >>> 16);
    h2 = u2 & 0xffff;
    h3 = (t3 + (u2 >>> 16)) & 0xffff;
  }
  return hex4(h3) + hex4(h2) + hex4(h1) + hex4(h0);
}

function hex4(v: number): string {
  return v.toString(16).padStart(4, '0');
}
