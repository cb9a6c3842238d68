"""Optimal assignment of mentees to mentors with capacities (pure: numpy + scipy).

Objective, lexicographic: first the number of matched mentees, then the total
score of the pairs. A pair without a score, or listed as forbidden, is never used,
and no mentor gets more mentees than their capacity.

Method: a slot-expanded assignment problem (each mentor becomes `slots` identical
columns; a mentor never needs more slots than the mentees allowed to use them),
solved exactly by scipy: `min_weight_full_bipartite_matching` (LAPJVsp) on the
pairs that matter, proven optimal over all pairs by dual prices (see `assign`),
with the dense `linear_sum_assignment` as the fallback. At 5,000 mentees the dense
solve alone takes 3-13 s; the sparse one with its certificate about 1-3 s.

Lexicographic objective in one solve: an allowed pair weighs BIG + (score - low),
leaving a mentee unmatched weighs 0 (the dense solve gives disallowed cells weight
0 and drops them afterwards; the sparse one has an "unmatched" column per mentee). With
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
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import min_weight_full_bipartite_matching

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


def assign(
    matrix: np.ndarray, capacity: np.ndarray, first_candidates: int = 32, added: int = 16, max_rounds: int = 12
) -> list[tuple[int, int]]:
    """Optimal (row, col) pairs for a NaN-masked score matrix and mentor capacities.

    Solves on each mentee's `first_candidates` best mentors, then proves the result
    optimal for ALL allowed pairs with dual prices (`_reduced_gains`); pairs that
    could still improve it join the candidates and the restricted problem is solved
    again, `added` more per mentee at most. This is column generation with an
    exactness certificate, not a top-K heuristic. Should the prices not settle
    (float rounding) within `max_rounds`, the dense slot-expanded
    `linear_sum_assignment` decides.
    """
    allowed = ~np.isnan(matrix)
    # Slots a mentor can actually fill; mentors and mentees without options drop out.
    slots = np.minimum(capacity, allowed.sum(axis=0))
    rows = np.flatnonzero(allowed.any(axis=1))
    cols = np.flatnonzero(slots > 0)
    max_pairs = min(len(rows), int(slots.sum()))
    if max_pairs == 0:
        return []
    matrix, allowed, slots = matrix[np.ix_(rows, cols)], allowed[np.ix_(rows, cols)], slots[cols]
    low, high = float(np.nanmin(matrix)), float(np.nanmax(matrix))
    big = max_pairs * (high - low) + 1.0
    weight = np.where(allowed, matrix - low + big, 0.0)  # > 0 where allowed, 0 = not allowed

    candidates = _best_per_row(weight, first_candidates) & allowed
    for _ in range(max_rounds):
        mentor_of = _solve_restricted(weight, candidates, slots)
        reduced = _reduced_gains(weight, candidates, mentor_of, slots)
        if reduced is None:
            break
        improving = allowed & ~candidates & (reduced > 1e-12 * big)
        if not improving.any():
            matched = np.flatnonzero(mentor_of >= 0)
            return sorted(zip(rows[matched].tolist(), cols[mentor_of[matched]].tolist()))
        # Only each mentee's few most promising moves join: an unmatched mentee would
        # otherwise bring every allowed pair at once and make the next solve dense.
        candidates |= _best_per_row(np.where(improving, reduced, -np.inf), added) & improving
    return sorted((int(rows[i]), int(cols[j])) for i, j in _assign_dense(weight, allowed, slots))


def _solve_restricted(weight: np.ndarray, candidates: np.ndarray, slots: np.ndarray) -> np.ndarray:
    """Best assignment using candidate pairs only: mentor index per mentee, -1 = unmatched.

    Sparse slot-expanded graph (each candidate pair once per slot of its mentor) plus a
    private "unmatched" column per mentee, solved by scipy's LAPJVsp. Costs are
    `ceiling - weight` so that every stored cost is positive.
    """
    n, m = weight.shape
    first_slot = np.concatenate(([0], np.cumsum(slots)))
    total_slots = int(first_slot[-1])
    mentee, mentor = np.nonzero(candidates)
    copies = slots[mentor]
    mentee, mentor = np.repeat(mentee, copies), np.repeat(mentor, copies)
    nth_copy = np.arange(len(mentee)) - np.repeat(np.cumsum(copies) - copies, copies)
    ceiling = float(weight.max()) + 1.0
    cost = np.concatenate((ceiling - weight[mentee, mentor], np.full(n, ceiling)))
    row = np.concatenate((mentee, np.arange(n)))
    column = np.concatenate((first_slot[mentor] + nth_copy, total_slots + np.arange(n)))
    graph = csr_matrix((cost, (row, column)), shape=(n, total_slots + n))
    _, column = min_weight_full_bipartite_matching(graph)
    owner = np.append(np.repeat(np.arange(m), slots), -1)  # slot column -> mentor; dummies -> -1
    return owner[np.minimum(column, total_slots)]


def _reduced_gains(weight, candidates, mentor_of, slots) -> np.ndarray | None:
    """Reduced gain of every move (mentee -> mentor); > 0 = could improve (None: undecided).

    Reduced to the mentors: moving mentee i from mentor j to k gains w[i,k] - w[i,j];
    node S stands for "unmatched" (entering from it gains w[i,k], leaving to it loses
    w[i,j]) and node T for "a free slot". An assignment is optimal iff this graph
    has no positive cycle, i.e. iff prices d exist with d[b] >= d[a] + gain(a->b)
    on every move (LP duality for the transportation problem). Prices come from
    Bellman-Ford over the candidate moves; a move with a positive reduced gain
    gain + d[from] - d[to] breaks them.
    """
    n, m = weight.shape
    unmatched, free = m, m + 1
    matched = mentor_of >= 0
    node = np.where(matched, mentor_of, unmatched)
    current = np.where(matched, weight[np.arange(n), np.maximum(mentor_of, 0)], 0.0)
    move_gain = weight - current[:, None]

    gain = np.full((m + 2, m + 2), -np.inf)  # gain[a, b] of the best candidate move a -> b
    order = np.argsort(node, kind="stable")
    starts = np.flatnonzero(np.r_[True, np.diff(node[order]) != 0])
    best_moves = np.where(candidates, move_gain, -np.inf)[order]
    gain[node[order][starts], :m] = np.maximum.reduceat(best_moves, starts, axis=0)
    np.maximum.at(gain[:, unmatched], mentor_of[matched], -current[matched])
    load = np.bincount(mentor_of[matched], minlength=m)
    gain[np.flatnonzero(load < slots), free] = 0.0
    gain[free, np.flatnonzero(load > 0)] = 0.0
    gain[free, unmatched] = 0.0
    if matched.any():
        gain[unmatched, free] = 0.0

    price = np.zeros(m + 2)
    for _ in range(m + 3):
        relaxed = np.maximum(price, (price[:, None] + gain).max(axis=0))
        if np.array_equal(relaxed, price):
            break
        price = relaxed
    else:
        return None
    return move_gain + price[node][:, None] - price[None, :m]


def _best_per_row(values: np.ndarray, k: int) -> np.ndarray:
    """Mask of the k largest values in each row."""
    k = min(k, values.shape[1])
    mask = np.zeros(values.shape, dtype=bool)
    np.put_along_axis(mask, np.argpartition(-values, k - 1, axis=1)[:, :k], True, axis=1)
    return mask


def _assign_dense(weight: np.ndarray, allowed: np.ndarray, slots: np.ndarray) -> list[tuple[int, int]]:
    """Dense slot-expanded linear_sum_assignment; disallowed cells weigh 0 (= unmatched)."""
    r, c = linear_sum_assignment(np.repeat(weight, slots, axis=1), maximize=True)
    mentor = np.repeat(np.arange(weight.shape[1]), slots)[c]
    real = allowed[r, mentor]
    return sorted(zip(r[real].tolist(), mentor[real].tolist()))


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
