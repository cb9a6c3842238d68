"""Optimal assignment of mentees to mentors with capacities (pure: numpy + scipy).

Objective, lexicographic: first the number of matched mentees, then the total
score of the pairs. A pair without a score, or listed as forbidden, is never used,
and no mentor gets more mentees than their capacity.

Method: a slot-expanded assignment problem solved by scipy's
`linear_sum_assignment` (exact; Crouse's shortest augmenting path). Each mentor
becomes `slots` identical columns; a mentor never needs more slots than the number
of mentees allowed to use them, which keeps the matrix near n × n at a 1:6 ratio.

Lexicographic objective in one solve: an allowed pair weighs BIG + (score - low),
a disallowed cell weighs 0. All allowed weights are positive, so an assignment
may "use" a disallowed cell only where no allowed pair could replace it; dropping
those cells afterwards leaves a real matching of the same weight (a disallowed
cell is exactly "mentee unmatched", so no dummy columns are needed). With
BIG > (max pairs) × (score range), one more matched mentee always outweighs any
score gain, and among matchings of equal size the shift by `low` is a constant,
so scores may be any finite float, negative ones included.

Determinism: ids are sorted before the matrix is built, so the same instance in
any input order yields the same matrix, and scipy is deterministic on it.
"""

from __future__ import annotations

import math
import numbers
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment

# Exact type test (not isinstance) so that JSON `true` is refused and the check stays fast.
_NUMBER_TYPES = frozenset({int, float, np.float64, np.float32, np.int64, np.int32})


@dataclass(frozen=True)
class Pair:
    mentee: str
    mentor: str
    score: float


@dataclass(frozen=True)
class Result:
    pairs: list[Pair]  # sorted by mentee id
    unmatched: list[str]  # mentee ids, sorted
    objective: float  # total score of `pairs`
    seconds: float


def solve(
    mentees: Iterable[str],
    mentors: Iterable[str],
    scores: Mapping[str, Mapping[str, float]],
    forbidden: Iterable[tuple[str, str]] = (),
    capacity: Mapping[str, int] | None = None,
) -> Result:
    """Pair `mentees` with `mentors`; `capacity[mentor]` mentees at most each.

    `scores[mentee][mentor]` is the value of a pair; absent pairs and pairs in
    `forbidden` are not allowed. Raises ValueError on unknown ids, duplicate ids,
    non-finite scores or bad capacities.
    """
    started = time.perf_counter()
    mentee_ids, mentor_ids = _sorted_unique(mentees, "mentee"), _sorted_unique(mentors, "mentor")
    matrix = score_matrix(mentee_ids, mentor_ids, scores, forbidden)
    capacity = capacity or {}
    caps = np.array([_capacity(capacity.get(m), m) for m in mentor_ids], dtype=np.int64)
    chosen = assign(matrix, caps)
    return result_from(mentee_ids, mentor_ids, matrix, chosen, started)


def score_matrix(
    mentee_ids: list[str],
    mentor_ids: list[str],
    scores: Mapping[str, Mapping[str, float]],
    forbidden: Iterable[tuple[str, str]] = (),
) -> np.ndarray:
    """Dense mentees × mentors matrix of scores, NaN where a pair is not allowed."""
    row = {e: i for i, e in enumerate(mentee_ids)}
    col = {m: j for j, m in enumerate(mentor_ids)}
    matrix = np.full((len(mentee_ids), len(mentor_ids)), np.nan)
    last_keys, cols = None, None
    for mentee, by_mentor in scores.items():
        if mentee not in row:
            raise ValueError(f"scores: unknown mentee {mentee!r}")
        if not isinstance(by_mentor, Mapping):
            raise ValueError(f"scores[{mentee!r}]: expected an object of mentor id -> score")
        # Rows written by one program list mentors in the same order: look the ids up once.
        keys = tuple(by_mentor)
        if keys != last_keys:
            unknown = [m for m in keys if m not in col]
            if unknown:
                raise ValueError(f"scores[{mentee!r}]: unknown mentor {unknown[0]!r}")
            last_keys, cols = keys, np.array([col[m] for m in keys], dtype=np.intp)
        values = list(by_mentor.values())
        if not set(map(type, values)) <= _NUMBER_TYPES:
            bad = next(m for m, v in by_mentor.items() if type(v) not in _NUMBER_TYPES)
            raise ValueError(f"scores[{mentee!r}][{bad!r}]: a score must be a number")
        values = np.array(values, dtype=float)
        if not np.isfinite(values).all():
            raise ValueError(f"scores[{mentee!r}]: every score must be a finite number")
        matrix[row[mentee], cols] = values
    for pair in forbidden:
        if len(pair) != 2 or pair[0] not in row or pair[1] not in col:
            raise ValueError(f"forbidden: {list(pair)!r} is not a [known mentee, known mentor] pair")
        matrix[row[pair[0]], col[pair[1]]] = np.nan
    return matrix


def assign(matrix: np.ndarray, capacity: np.ndarray) -> list[tuple[int, int]]:
    """Optimal (row, col) pairs for a NaN-masked score matrix and mentor capacities."""
    allowed = ~np.isnan(matrix)
    # Slots a mentor can actually fill; mentors and mentees without options drop out.
    slots = np.minimum(capacity, allowed.sum(axis=0))
    rows = np.flatnonzero(allowed.any(axis=1))
    cols = np.flatnonzero(slots > 0)
    max_pairs = min(len(rows), int(slots.sum()))
    if max_pairs == 0:
        return []
    if len(rows) < matrix.shape[0] or len(cols) < matrix.shape[1]:
        matrix, allowed = matrix[np.ix_(rows, cols)], allowed[np.ix_(rows, cols)]
    low, high = float(np.nanmin(matrix)), float(np.nanmax(matrix))
    big = max_pairs * (high - low) + 1.0
    # cost = -weight, built in place (at 5,000 mentees each copy of the expanded
    # matrix is 200 MB): allowed low - big - score, disallowed 0.
    cost = np.where(allowed, matrix, low - big)
    np.subtract(low - big, cost, out=cost)
    cost = np.repeat(cost, slots[cols], axis=1)
    r, c = linear_sum_assignment(cost)
    mentor = np.repeat(np.arange(len(cols)), slots[cols])[c]  # slot column -> index into cols
    real = allowed[r, mentor]  # drop "disallowed" cells: those mentees stay unmatched
    return sorted(zip(rows[r[real]].tolist(), cols[mentor[real]].tolist()))


def result_from(
    mentee_ids: list[str], mentor_ids: list[str], matrix: np.ndarray, chosen: list[tuple[int, int]], started: float
) -> Result:
    pairs = [Pair(mentee_ids[i], mentor_ids[j], float(matrix[i, j])) for i, j in chosen]
    matched = {i for i, _ in chosen}
    unmatched = [e for i, e in enumerate(mentee_ids) if i not in matched]
    objective = math.fsum(p.score for p in pairs)
    return Result(pairs, unmatched, objective, time.perf_counter() - started)


def _sorted_unique(ids: Iterable[str], role: str) -> list[str]:
    ids = list(ids)
    unique = sorted(set(ids))
    if len(unique) != len(ids):
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        raise ValueError(f"duplicate {role} id(s): {', '.join(map(repr, dupes))}")
    return unique


def _capacity(value, mentor: str) -> int:
    if value is None:
        raise ValueError(f"mentor {mentor!r} has no capacity")
    if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value < 0:
        raise ValueError(f"mentor {mentor!r}: capacity must be a non-negative integer, got {value!r}")
    return int(value)
