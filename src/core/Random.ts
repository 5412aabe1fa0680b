/**
 * Seeded pseudo-random numbers and seed derivation: every draw gpnn makes comes from here, so a
 * run repeats exactly from its seed.
 *
 * Conventions: the generator is xoshiro128** (Blackman & Vigna, 2018) on four uint32 words,
 * seeded through splitmix32; `uniform()` returns a float64 in [0, 1) built from 53 random bits;
 * `normal()` is Box–Muller (both variates used). Seeds are uint32.
 *
 * When to use: `Random.make(Random.derive(runSeed, "trial/width=64/fold=2"))` gives a trial its
 * own stream that depends only on the run seed and the trial's key, never on execution order.
 * Gotchas: a `Generator` is mutable; give each independent consumer its own (`fork`).
 */

/** FNV-1a over the UTF-16 code units of `key`, mixed with `seed`: a stable uint32 per (seed, key). */
export const derive = (seed: number, key: string): number => {
  let h = (0x811c9dc5 ^ (seed >>> 0)) >>> 0
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i)
    h = Math.imul(h, 0x01000193) >>> 0
  }
  return splitmix32(h)
}

const splitmix32 = (x: number): number => {
  let z = (x + 0x9e3779b9) >>> 0
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0
  return (z ^ (z >>> 16)) >>> 0
}

const rotl = (x: number, k: number): number => ((x << k) | (x >>> (32 - k))) >>> 0

export interface Generator {
  readonly seed: number
  /** A uint32. */
  nextUint32(): number
  /** A float64 uniform on [0, 1). */
  uniform(): number
  /** A standard normal variate. */
  normal(): number
  /** An integer uniform on [0, n). */
  int(n: number): number
  /** A new generator whose stream depends only on this one's seed and `key`. */
  fork(key: string): Generator
}

export const make = (seed: number): Generator => {
  const s = new Uint32Array(4)
  let x = seed >>> 0
  for (let i = 0; i < 4; i++) {
    x = splitmix32(x + i)
    s[i] = x
  }
  if ((s[0] | s[1] | s[2] | s[3]) === 0) s[0] = 1
  let spare: number | undefined

  const nextUint32 = (): number => {
    const result = Math.imul(rotl(Math.imul(s[1], 5) >>> 0, 7), 9) >>> 0
    const t = (s[1] << 9) >>> 0
    s[2] ^= s[0]
    s[3] ^= s[1]
    s[1] ^= s[2]
    s[0] ^= s[3]
    s[2] ^= t
    s[3] = rotl(s[3], 11)
    return result
  }
  const uniform = (): number => {
    const hi = nextUint32() >>> 5 // 27 bits
    const lo = nextUint32() >>> 6 // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992
  }
  const normal = (): number => {
    if (spare !== undefined) {
      const v = spare
      spare = undefined
      return v
    }
    let u = 0
    while (u === 0) u = uniform()
    const v = uniform()
    const r = Math.sqrt(-2 * Math.log(u))
    spare = r * Math.sin(2 * Math.PI * v)
    return r * Math.cos(2 * Math.PI * v)
  }
  const int = (n: number): number => Math.floor(uniform() * n)
  return { seed: seed >>> 0, nextUint32, uniform, normal, int, fork: (key) => make(derive(seed, key)) }
}

/** Fisher–Yates shuffle of 0..n-1. */
export const permutation = (rng: Generator, n: number): Int32Array => {
  const p = new Int32Array(n)
  for (let i = 0; i < n; i++) p[i] = i
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1)
    const t = p[i]
    p[i] = p[j]
    p[j] = t
  }
  return p
}
