/**
 * The kinks of a piecewise-linear function sampled on a uniform 1-d grid: where its linear pieces
 * meet and by how much the slope changes there. For a 1-hidden-layer ReLU net
 * f(x) = c + Σ_j a_j·relu(w_j x + b_j) the kinks are the breakpoints −b_j/w_j of its units that lie
 * inside the grid, and the slope change at one is a_j·|w_j| (the unit's hinge); a deeper ReLU net
 * is piecewise-linear too, with kinks wherever any unit of any layer switches.
 *
 * Method: slopes s_i = (f_{i+1} − f_i)/h of the grid cells; a kink at x_i + t·h (0 ≤ t < 1)
 * inside cell i leaves the slope change d_i = s_i − s_{i−1} = Δ·(1 − t) at node x_i and
 * d_{i+1} = Δ·t at node x_{i+1}, zero elsewhere. Consecutive nodes with |d| > tolerance form one
 * kink; its slope change is Σd and its position the d-weighted mean of the nodes, x_i + t·h,
 * exact for a lone kink (`nodes` says how many nodes it spans). Two kinks in the same or neighbouring cells merge into one (their
 * slope changes add; of opposite sign they may cancel): the count is a lower bound, exact when
 * kinks are more than 2h apart.
 *
 * Tolerance: float32 predictions (the MLP's) carry rounding of about 6e-8·|f|, which puts noise of
 * order 4·6e-8·max|f|/h into d; `find` takes as tolerance `relative` (default 1e-3) times the
 * largest |slope| on the grid, floored at 100× that rounding level, so a slope change below 0.1 %
 * of the steepest slope is not counted.
 *
 * When to use: a report counting the linear pieces of ReLU nets from their stored predictions on a
 * dense probe grid (experiments/mlp-1d.ts). Pure. Gotchas: the grid must be uniform and sorted;
 * a smooth function (tanh net, a GP mean) gives long runs of nodes, each one "kink" of many `nodes`.
 */

export interface Kink {
  /** Where the pieces meet (x units of the grid). */
  readonly x: number
  /** Slope to the right minus slope to the left. */
  readonly slopeChange: number
  /**
   * Grid nodes the kink's slope change is spread over: 1 or 2 for a lone kink, 3 or 4 for two
   * merged ones; many for a curved stretch (the function is not piecewise-linear there).
   */
  readonly nodes: number
}

export interface Options {
  /** Slope changes below this times the largest |slope| are not kinks. Default 1e-3. */
  readonly relative?: number
}

/** Slopes of the grid cells: (f_{i+1} − f_i)/(x_{i+1} − x_i), n − 1 of them. */
export const slopes = (x: ReadonlyArray<number>, f: ReadonlyArray<number>): Array<number> =>
  x.slice(1).map((xi, i) => (f[i + 1] - f[i]) / (xi - x[i]))

/** The kinks of the piecewise-linear `f` sampled at the uniform grid `x` (see the module doc). */
export const find = (x: ReadonlyArray<number>, f: ReadonlyArray<number>, options: Options = {}): Array<Kink> => {
  if (x.length !== f.length) throw new Error(`Kinks.find: ${x.length} grid points but ${f.length} values`)
  if (x.length < 3) return []
  const h = (x[x.length - 1] - x[0]) / (x.length - 1)
  const s = slopes(x, f)
  const steepest = Math.max(...s.map(Math.abs))
  const rounding = (4 * 6e-8 * Math.max(...f.map(Math.abs))) / h
  const tolerance = Math.max((options.relative ?? 1e-3) * steepest, 100 * rounding)
  const kinks: Array<Kink> = []
  let sum = 0
  let weighted = 0
  let nodes = 0
  // d_i lives at node i = 1..n−2 (the interior nodes).
  for (let i = 1; i <= s.length; i++) {
    const d = i < s.length ? s[i] - s[i - 1] : 0
    if (i < s.length && Math.abs(d) > tolerance) {
      sum += d
      weighted += d * x[i]
      nodes++
    } else if (nodes > 0) {
      kinks.push({ x: sum === 0 ? Number.NaN : weighted / sum, slopeChange: sum, nodes })
      sum = 0
      weighted = 0
      nodes = 0
    }
  }
  return kinks.filter((k) => Number.isFinite(k.x))
}

/**
 * The fit as its linear part and one hinge per kink: f(x) = f(x₀) + s₀·(x − x₀) + Σ_k Δ_k·relu(x − t_k)
 * over the grid (x₀ its first point, s₀ its first slope). For a 1-hidden-layer ReLU net each hinge
 * is one unit's contribution a_j·relu(w_j x + b_j) up to a linear term (units whose breakpoint
 * lies outside the grid are linear there and sit in the linear part).
 */
export const hinges = (x: ReadonlyArray<number>, f: ReadonlyArray<number>, kinks: ReadonlyArray<Kink>) => {
  const s0 = x.length < 2 ? 0 : (f[1] - f[0]) / (x[1] - x[0])
  return {
    linear: x.map((xi) => f[0] + s0 * (xi - x[0])),
    units: kinks.map((k) => x.map((xi) => k.slopeChange * Math.max(0, xi - k.x)))
  }
}
