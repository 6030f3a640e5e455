"""Which search algorithm: platypus's epsilon-NSGA-II, NSGA-II, NSGA-III or pymoo's NSGA-III.

Each algorithm searches the shipped levers and objectives (``conf/policy/policy.yaml``)
with the same number of policy evaluations, in the same worlds, once per algorithm
seed. A final front's hypervolume is computed on one normalisation for all (each
objective's range over every policy any search ran), so the numbers compare. Prints one
row per algorithm and seed and the mean per algorithm.

    .venv/bin/python experiments/policy_algorithms.py            # 2 seeds, 288 evaluations
    .venv/bin/python experiments/policy_algorithms.py --quick    # a smoke check
"""

from __future__ import annotations

import argparse
import logging
import tempfile
from pathlib import Path

import pandas as pd
import platypus

from sim.config.compose import compose_checked, config_dir, register_configs, to_settings
from sim.policy.command import policy_search
from sim.policy.params import PolicySettings

# (algorithm, population, generations, NSGA-III divisions): 288 evaluations each (NSGA-III's
# population follows its reference points: 35 for 5 objectives at 3 divisions, 36 with
# platypus's rounding to a multiple of 4; pymoo's is set to 36).
ALGORITHMS = [
    ("eps_nsga2", 24, 12, 4),
    ("nsga2", 24, 12, 4),
    ("nsga3", 36, 8, 3),
    ("pymoo_nsga3", 36, 8, 3),
]


def settings(
    algorithm: str,
    population: int,
    generations: int,
    divisions: int,
    seed: int,
    worlds: int,
    days: int,
) -> PolicySettings:
    overrides = [
        f"search.algorithm={algorithm}",
        f"search.population={population}",
        f"search.generations={generations}",
        f"search.divisions={divisions}",
        f"search.seed={seed}",
        f"worlds.count={worlds}",
        f"days={days}",
        "figures=false",
    ]
    return to_settings(
        compose_checked("policy", overrides, config_dir() / "policy"), PolicySettings
    )


def hypervolumes(fronts: dict[tuple[str, int], pd.DataFrame], cfg: PolicySettings) -> dict:
    """Each front's hypervolume, normalised by the range over every front's policies."""
    names = [o.name for o in cfg.objectives]
    everything = pd.concat(fronts.values())
    low = [float(everything[n].min()) for n in names]
    high = [max(float(everything[n].max()), lo + 1e-9) for n, lo in zip(names, low, strict=True)]
    problem = platypus.Problem(0, len(names))
    for i, o in enumerate(cfg.objectives):
        problem.directions[i] = (
            platypus.Direction.MINIMIZE if o.sense == "min" else platypus.Direction.MAXIMIZE
        )
    indicator = platypus.Hypervolume(minimum=low, maximum=high)
    result = {}
    for key, front in fronts.items():
        solutions = []
        for row in front[names].to_numpy(dtype=float):
            s = platypus.Solution(problem)
            s.objectives[:] = list(row)
            s.evaluated = True
            solutions.append(s)
        result[key] = indicator.calculate(solutions)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="2 worlds, 120 days, 1 seed")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    register_configs()
    seeds, worlds, days = ([1], 2, 120) if args.quick else ([1, 2], 10, 365)
    fronts, runs = {}, {}
    with tempfile.TemporaryDirectory(prefix="policy-algorithms-") as tmp:
        for algorithm, population, generations, divisions in ALGORITHMS:
            for seed in seeds:
                cfg = settings(algorithm, population, generations, divisions, seed, worlds, days)
                out = Path(tmp) / f"{algorithm}-{seed}"
                policy_search(cfg, out)
                pareto = pd.read_parquet(out / "pareto.parquet")
                fronts[algorithm, seed] = pareto[pareto["source"] == "search"]
                runs[algorithm, seed] = pd.read_parquet(out / "evaluations.parquet")[
                    "policy"
                ].nunique()
    volume = hypervolumes(fronts, cfg)
    table = pd.DataFrame(
        [
            {
                "algorithm": a,
                "seed": s,
                "front": len(fronts[a, s]),
                "policies run": runs[a, s],
                "hypervolume": volume[a, s],
            }
            for a, s in fronts
        ]
    )
    print(table.to_string(index=False))
    print(table.groupby("algorithm")["hypervolume"].agg(["mean", "min", "max"]).to_string())


if __name__ == "__main__":
    main()
