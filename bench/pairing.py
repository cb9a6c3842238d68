"""Pairing benchmark: 100 / 1,000 / 5,000 mentees at 1 mentor : 6 mentees.

Per size, on a seeded instance with random dense scores:
- time of the whole engine (instance dict -> output dict: validation, matrix,
  solve, report) beside scipy's `linear_sum_assignment` alone on the same
  slot-expanded matrix, measured in the same run;
- total score beside a greedy baseline (pairs by descending score, taken while
  the mentee is free and the mentor has room).
Plus the engine on people attributes (scores computed from work items, skills,
time zones; many tied scores, which slow the dense solver down) at 1,000 and
5,000 mentees, beside the same scipy baseline and greedy.

`run()` returns figures {"name", "value", "unit", "baseline", "ratio", "goal", "met"}.
"""

from __future__ import annotations

import math
import random
import time

import numpy as np
from scipy.optimize import linear_sum_assignment

from mentoring.pairing import instance as pairing_instance

SIZES = (100, 1000, 5000)
TIME_GOALS = {1000: 0.5, 5000: 5.0}  # seconds, from issue 3
RATIO, CAPACITY = 6, 6
SEED = 20250115


def explicit_instance(n: int, seed: int = SEED) -> dict:
    """n mentees, ceil(n / 6) mentors of capacity 6, a random score for every pair."""
    rng = np.random.default_rng(seed)
    m = math.ceil(n / RATIO)
    mentors = [f"m{j:05d}" for j in range(m)]
    scores = rng.random((n, m)).round(6)
    return {
        "mentors": [{"id": t, "capacity": CAPACITY} for t in mentors],
        "mentees": [{"id": f"e{i:05d}"} for i in range(n)],
        "scores": {f"e{i:05d}": dict(zip(mentors, row)) for i, row in enumerate(scores.tolist())},
    }


def people_instance(n: int, seed: int = SEED) -> dict:
    """A realistic-looking people instance: teams' work items, skills, a few zones."""
    rnd = random.Random(seed)
    m = math.ceil(n / RATIO)
    work = [f"project {k}" for k in range(max(10, n // 20))]
    skills = [f"skill {k}" for k in range(40)]
    zones = [("Europe/Berlin", "09:00", "17:00"), ("America/New_York", "09:00", "17:00"),
             ("Europe/London", "08:30", "16:30"), ("Asia/Kolkata", "10:00", "18:00")]

    def person(pid, k_work, k_skills, key):
        tz, start, end = rnd.choice(zones)
        return {"id": pid, "work_items": rnd.sample(work, k_work), key: rnd.sample(skills, k_skills),
                "tz": tz, "working_hours": [start, end]}

    mentors = [dict(person(f"m{j:05d}", 4, 6, "skills"), capacity=CAPACITY, load=rnd.randint(0, 6))
               for j in range(m)]
    mentees = [dict(person(f"e{i:05d}", 2, 3, "goals"), manager_id=f"m{rnd.randrange(m):05d}",
                    recent_mentors=[f"m{rnd.randrange(m):05d}"]) for i in range(n)]
    return {"mentors": mentors, "mentees": mentees, "reference_date": "2025-03-10"}


def lsa_seconds(matrix: np.ndarray, capacity: np.ndarray) -> float:
    """scipy alone on the textbook slot-expanded matrix: every mentor repeated `capacity`
    times, allowed pairs weigh BIG + score, disallowed 0. Only the solve is timed."""
    allowed = ~np.isnan(matrix)
    low = float(np.nanmin(matrix)) if allowed.any() else 0.0
    big = len(matrix) * (float(np.nanmax(matrix)) - low) + 1.0 if allowed.any() else 1.0
    expanded = np.repeat(np.where(allowed, big + matrix - low, 0.0), capacity, axis=1)
    started = time.perf_counter()
    linear_sum_assignment(expanded, maximize=True)
    return time.perf_counter() - started


def greedy_total(matrix: np.ndarray, capacity: int) -> tuple[int, float]:
    """(matched, total score) of the greedy baseline on a NaN-masked score matrix."""
    n, m = matrix.shape
    order = np.argsort(np.nan_to_num(-matrix, nan=np.inf), axis=None, kind="stable")
    free, room, matched, total = np.ones(n, bool), np.full(m, capacity), 0, 0.0
    for flat in order.tolist():
        i, j = divmod(flat, m)
        if math.isnan(matrix[i, j]) or matched == min(n, capacity * m):
            break
        if free[i] and room[j]:
            free[i], room[j], matched, total = False, room[j] - 1, matched + 1, total + float(matrix[i, j])
    return matched, total


def _time_figure(name, seconds, baseline, goal) -> dict:
    return {"name": name, "value": round(seconds, 4), "unit": "s", "baseline": round(baseline, 4),
            "ratio": round(seconds / baseline, 2) if baseline else None,
            "goal": f"<= {goal} s" if goal else None, "met": seconds <= goal if goal else None}


def _engine(inst: dict) -> tuple[dict, float, pairing_instance.Prepared]:
    started = time.perf_counter()
    out = pairing_instance.run(inst)
    seconds = time.perf_counter() - started
    return out, seconds, pairing_instance.prepare(inst)  # the same matrix, for the baselines


def run() -> list[dict]:
    figures = []
    for n in SIZES:
        out, seconds, prepared = _engine(explicit_instance(n))
        baseline = lsa_seconds(prepared.matrix, prepared.capacity)
        figures.append(_time_figure(f"pairing.time.{n}", seconds, baseline, TIME_GOALS.get(n)))
        greedy_matched, greedy = greedy_total(prepared.matrix, CAPACITY)
        figures.append({
            "name": f"pairing.score_vs_greedy.{n}", "value": round(out["objective"], 4), "unit": "total score",
            "baseline": round(greedy, 4), "ratio": round(out["objective"] / greedy, 4) if greedy else None,
            "goal": ">= greedy, as many matched",
            "met": out["objective"] >= greedy - 1e-9 and len(out["pairs"]) >= greedy_matched,
        })
    for n in (1000, 5000):
        out, seconds, prepared = _engine(people_instance(n))
        baseline = lsa_seconds(prepared.matrix, prepared.capacity)
        figures.append(_time_figure(f"pairing.people_time.{n}", seconds, baseline, TIME_GOALS.get(n)))
        greedy_matched, greedy = greedy_total(prepared.matrix, CAPACITY)
        figures.append({
            "name": f"pairing.people_matched.{n}", "value": len(out["pairs"]), "unit": "mentees matched",
            "baseline": greedy_matched,
            "ratio": round(len(out["pairs"]) / greedy_matched, 4) if greedy_matched else None,
            "goal": ">= greedy", "met": len(out["pairs"]) >= greedy_matched,
        })
        figures.append({
            "name": f"pairing.people_score_vs_greedy.{n}", "value": round(out["objective"], 4), "unit": "total score",
            "baseline": round(greedy, 4), "ratio": round(out["objective"] / greedy, 4) if greedy else None,
            "goal": None, "met": None,  # greedy may match fewer mentees, so its score is not comparable
        })
    return figures


if __name__ == "__main__":
    for figure in run():
        print(figure)
