/** Small non-cryptographic hashing for the simulator's state fingerprints and trace digest. */

export function fnv1a(bytes: Uint8Array, seed = 0x811c9dc5): number {
  let h = seed >>> 0;
  for (let i = 0; i < bytes.length; i++) {
    h ^= bytes[i]!;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

export function mix(h: number, x: number): number {
  let z = (h ^ Math.imul(x >>> 0, 0x9e3779b1)) >>> 0;
  z = Math.imul(z ^ (z >>> 15), 0x85ebca77) >>> 0;
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae3d) >>> 0;
  return (z ^ (z >>> 16)) >>> 0;
}

const encoder = new TextEncoder();
export function hashString(s: string, seed = 0x811c9dc5): number {
  return fnv1a(encoder.encode(s), seed);
}
