/**
 * Evenly spaced grids: the probe inputs a study predicts at, the parameter sweeps a report draws
 * theory over.
 *
 * Convention: `linspace(start, stop, n)` is numpy.linspace with endpoint=True: n values, the
 * i-th `start + (stop − start)·i/(n − 1)`, the last set to `stop` exactly (so a grid ends on
 * the bound it names, whatever the rounding of the step); n = 1 gives [start]; n = 0 gives [].
 * Float64, plain arrays (grids feed charts and JSON as often as they feed kernels).
 */

/** `n` evenly spaced values from `start` to `stop`, both included. */
export const linspace = (start: number, stop: number, n: number): Array<number> =>
  Array.from({ length: n }, (_, i) => (i === n - 1 && n > 1 ? stop : start + ((stop - start) * i) / (n - 1 || 1)))
