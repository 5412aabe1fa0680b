/**
 * The SMO solver's kernel-row cache: least-recently-used rows of Q within a memory budget, as
 * libsvm's `Cache` (Chang & Lin, LIBSVM, 2011, §5.1), so that rows the solver keeps returning to
 * (the free support vectors) are computed once.
 *
 * Conventions: rows are float64 (8 bytes an entry; libsvm stores float32, so the same budget holds
 * half as many entries here). A row may be partial: only its first `len` entries are held, which is
 * what a shrinking solver needs (it asks for the active prefix only). The budget is in MiB
 * (2²⁰ bytes) as libsvm's `-m` / scikit-learn's `cache_size`, and never below two full rows.
 *
 * When to use: the solver calls `request(i, len)` then fills `data(i)` from the returned start to
 * `len`. `none(n)` keeps nothing (every request recomputes; for tests and tiny budgets).
 * Gotchas: `data(i)` is valid until the next `request` of any row (the row may be evicted or
 * regrown); a solver that needs two rows at once may hold both arrays, which stay readable.
 */

export interface Cache {
  /** Makes row `i` hold at least `len` entries; returns how many were already filled (fill the rest). */
  request(i: number, len: number): number
  /** The storage of row `i` after `request`. */
  data(i: number): Float64Array
  /** Exchanges the roles of indices i and j, as a shrinking solver permutes its variables. */
  swap(i: number, j: number): void
  /** Rows served from the cache and rows (re)computed, for diagnostics. */
  readonly stats: { hits: number; misses: number }
}

/** An LRU cache for n rows within `megabytes` MiB (at least two full rows). */
export const make = (n: number, megabytes: number): Cache => {
  const rows: Array<Float64Array | null> = new Array(n).fill(null)
  const lens = new Int32Array(n)
  // Doubly linked LRU list over 0..n−1 with sentinel n: next[n] is the least recently used.
  const prev = new Int32Array(n + 1).fill(-1)
  const next = new Int32Array(n + 1).fill(-1)
  prev[n] = n
  next[n] = n
  let free = Math.max(Math.floor((megabytes * 1048576) / 8), 2 * n)
  const stats = { hits: 0, misses: 0 }

  const unlink = (h: number): void => {
    next[prev[h]] = next[h]
    prev[next[h]] = prev[h]
  }
  const append = (h: number): void => {
    next[h] = n
    prev[h] = prev[n]
    next[prev[n]] = h
    prev[n] = h
  }
  const drop = (h: number): void => {
    unlink(h)
    free += lens[h]
    rows[h] = null
    lens[h] = 0
  }

  const request = (i: number, len: number): number => {
    const have = lens[i]
    if (have > 0) unlink(i)
    const more = len - have
    let start = len
    if (more > 0) {
      while (free < more) drop(next[n])
      const row = new Float64Array(len)
      const old = rows[i]
      if (old !== null) row.set(old)
      rows[i] = row
      lens[i] = len
      free -= more
      start = have
      stats.misses++
    } else {
      stats.hits++
    }
    append(i)
    return start
  }

  const swap = (i: number, j: number): void => {
    if (i === j) return
    if (lens[i] > 0) unlink(i)
    if (lens[j] > 0) unlink(j)
    const r = rows[i]
    rows[i] = rows[j]
    rows[j] = r
    const l = lens[i]
    lens[i] = lens[j]
    lens[j] = l
    if (lens[i] > 0) append(i)
    if (lens[j] > 0) append(j)
    const lo = Math.min(i, j)
    const hi = Math.max(i, j)
    for (let h = next[n]; h !== n;) {
      const after = next[h]
      if (lens[h] > lo) {
        if (lens[h] > hi) {
          const row = rows[h] as Float64Array
          const t = row[lo]
          row[lo] = row[hi]
          row[hi] = t
        } else {
          // The row holds entry lo but not hi: it cannot be permuted, so give it up (as libsvm).
          drop(h)
        }
      }
      h = after
    }
  }

  return { request, data: (i) => rows[i] as Float64Array, swap, stats }
}

/** No cache: every request recomputes the row into one of two alternating scratch rows. */
export const none = (n: number): Cache => {
  const scratch = [new Float64Array(n), new Float64Array(n)]
  const owner = new Int32Array(2).fill(-1)
  let turn = 0
  const stats = { hits: 0, misses: 0 }
  const request = (i: number): number => {
    turn = 1 - turn
    owner[turn] = i
    stats.misses++
    return 0
  }
  const data = (i: number): Float64Array => scratch[owner[turn] === i ? turn : 1 - turn]
  return { request, data, swap: () => {}, stats }
}
