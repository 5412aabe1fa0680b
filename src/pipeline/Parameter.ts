/**
 * The number schemas experiment parameters are built from, so every study says "a positive
 * integer" the same way and `--set widths=0` fails with the same message everywhere:
 * `Parameter.PositiveInt`, `Parameter.Probability`, `Parameter.IntAtLeast(2)` (k-fold folds), ….
 *
 * When to use: in an experiment's `Schema.Struct` of parameters (experiments/*.ts). Model
 * configurations declare their own fields with `Family.define`; task specs theirs in Task.ts.
 *
 * Conventions: every number schema is finite (NaN and ±∞ fail, so `--set lr=` does not slip
 * through as NaN). Bounds are inclusive unless the name says otherwise: `Probability` is
 * [0, 1], `OpenUnit` is (0, 1) (a fraction that must leave something on both sides).
 */
import { Schema } from "effect"

/** A finite number > 0 (a learning rate, a variance, a regularisation constant). */
export const Positive = Schema.Finite.check(Schema.isGreaterThan(0))

/** A finite number ≥ 0 (a noise sd, a bias variance). */
export const NonNegative = Schema.Finite.check(Schema.isGreaterThanOrEqualTo(0))

/** An integer > 0 (a width, a number of seeds or epochs). */
export const PositiveInt = Schema.Int.check(Schema.isGreaterThan(0))

/** An integer ≥ 0 (optimiser restarts: 0 means the initial point only). */
export const NonNegativeInt = Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))

/** An integer ≥ `min` (k-fold folds: `IntAtLeast(2)`; points a study needs: `IntAtLeast(8)`). */
export const IntAtLeast = (min: number) => Schema.Int.check(Schema.isGreaterThanOrEqualTo(min))

/** A probability in [0, 1]. */
export const Probability = Schema.Finite.check(Schema.isGreaterThanOrEqualTo(0), Schema.isLessThanOrEqualTo(1))

/** A fraction strictly inside (0, 1): a train share, a threshold between chance and perfect. */
export const OpenUnit = Schema.Finite.check(Schema.isGreaterThan(0), Schema.isLessThan(1))

/** A non-empty list: a grid a study sweeps (`NonEmpty(PositiveInt)` for widths). */
export const NonEmpty = <S extends Schema.Top>(item: S) => Schema.Array(item).check(Schema.isMinLength(1))
