"""optuna's TPESampler (defaults) on one of the hpo anchor's test functions, many seeds.

Run by bench/tpeSeeds.ts: `python3 optuna_tpe.py --function rosenbrock5 --budget 50 --seeds 1-100`
prints one JSON object {"optuna": version, "function", "budget", "seeds", "best"} where best[i] is
the best value after `budget` serial trials with TPESampler(seed=seeds[i]). Needs optuna
(Debian: apt-get install python3-optuna, which is 3.1.0, the anchor's version). The functions are
the anchor's definitions (tests/fixtures/hpo_anchor.json), each coordinate a plain suggest_float.
"""
import argparse
import json
import math

import optuna


def branin(x):
    b, c, r, s, t = 5.1 / (4 * math.pi**2), 5 / math.pi, 6, 10, 1 / (8 * math.pi)
    return (x[1] - b * x[0] ** 2 + c * x[0] - r) ** 2 + s * (1 - t) * math.cos(x[0]) + s


ALPHA = [1.0, 1.2, 3.0, 3.2]
A = [[10, 3, 17, 3.5, 1.7, 8], [0.05, 10, 17, 0.1, 8, 14], [3, 3.5, 1.7, 10, 17, 8], [17, 8, 0.05, 10, 0.1, 14]]
P = [[1e-4 * v for v in row] for row in [[1312, 1696, 5569, 124, 8283, 5886], [2329, 4135, 8307, 3736, 1004, 9991],
                                          [2348, 1451, 3522, 2883, 3047, 6650], [4047, 8828, 8732, 5743, 1091, 381]]]


def hartmann6(x):
    return -sum(ALPHA[i] * math.exp(-sum(A[i][j] * (x[j] - P[i][j]) ** 2 for j in range(6))) for i in range(4))


def rosenbrock(x):
    return sum(100 * (x[i + 1] - x[i] ** 2) ** 2 + (1 - x[i]) ** 2 for i in range(len(x) - 1))


FUNCTIONS = {
    "branin": (branin, [(-5, 10), (0, 15)]),
    "hartmann6": (hartmann6, [(0, 1)] * 6),
    "rosenbrock5": (rosenbrock, [(-2, 2)] * 5),
}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--function", required=True, choices=sorted(FUNCTIONS))
    parser.add_argument("--budget", type=int, required=True)
    parser.add_argument("--seeds", required=True, help="first-last, e.g. 1-100")
    args = parser.parse_args()
    first, last = (int(v) for v in args.seeds.split("-"))
    f, bounds = FUNCTIONS[args.function]
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    seeds = list(range(first, last + 1))
    best = []
    for seed in seeds:
        study = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=seed))
        study.optimize(lambda t: f([t.suggest_float(f"x{j}", lo, hi) for j, (lo, hi) in enumerate(bounds)]), n_trials=args.budget)
        best.append(study.best_value)
    print(json.dumps({"optuna": optuna.__version__, "function": args.function, "budget": args.budget, "seeds": seeds, "best": best}))


if __name__ == "__main__":
    main()
