// A small seeded random number generator of our own (xoshiro128**, seeded through
// splitmix32), so splits and shuffles are identical on every machine and Node version
// (Math.random cannot be seeded). Independent streams come from (seed, stream name):
// adding a new consumer never shifts the numbers an existing one draws.

export interface Rng {
  /** Uniform uint32. */
  nextUint32(): number;
  /** Uniform float in [0, 1) with 53 random bits. */
  float(): number;
  /** Uniform integer in [0, n), without modulo bias. */
  int(n: number): number;
  /** Fisher–Yates shuffle in place; returns the array. */
  shuffle<T>(a: T[]): T[];
}

function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

function splitmix32(state: number): () => number {
  let s = state >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/** A generator for `seed` (an integer; or any string) and an optional stream name. */
export function createRng(seed: number | string, stream = ''): Rng {
  if (typeof seed === 'number' && !Number.isSafeInteger(seed)) throw new Error(`rng seed must be an integer, got ${seed}`);
  const seedText = typeof seed === 'number' ? `n:${seed}` : `s:${seed}`;
  const init = splitmix32(fnv1a(seedText) ^ Math.imul(fnv1a(stream), 0x9e3779b1));
  return rngFromState([init(), init(), init(), init()]);
}

/** xoshiro128** from an explicit 128-bit state (four uint32 words, not all zero). */
export function rngFromState(state: readonly number[]): Rng {
  const s = new Uint32Array(state.slice(0, 4));
  if ((s[0] | s[1] | s[2] | s[3]) === 0) s[0] = 1; // the all-zero state is a fixed point
  const rotl = (x: number, k: number) => ((x << k) | (x >>> (32 - k))) >>> 0;
  const nextUint32 = (): number => {
    const result = Math.imul(rotl(Math.imul(s[1], 5) >>> 0, 7), 9) >>> 0;
    const t = (s[1] << 9) >>> 0;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  };
  const float = () => ((nextUint32() >>> 5) * 67108864 + (nextUint32() >>> 6)) / 9007199254740992;
  const int = (n: number): number => {
    if (!Number.isInteger(n) || n <= 0 || n > 2 ** 32) throw new Error(`rng.int(n) needs an integer 1..2^32, got ${n}`);
    // reject the top partial block so every residue is equally likely
    const limit = 2 ** 32 - (2 ** 32 % n);
    let x = nextUint32();
    while (x >= limit) x = nextUint32();
    return x % n;
  };
  return {
    nextUint32,
    float,
    int,
    shuffle<T>(a: T[]): T[] {
      for (let i = a.length - 1; i > 0; i--) {
        const j = int(i + 1);
        const tmp = a[i];
        a[i] = a[j];
        a[j] = tmp;
      }
      return a;
    },
  };
}
