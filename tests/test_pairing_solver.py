"""The solver is optimal (matched count first, then total score), keeps every hard
constraint and is deterministic: checked against brute force on small instances
and against an independent slot-expanded formulation on larger ones."""

from __future__ import annotations

import functools
import math
import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linear_sum_assignment

from mentoring.pairing.solver import assign, result_from, score_matrix, solve


def brute_force(mentees, mentors, scores, forbidden, capacity):
    """(matched, total) of the best of ALL assignments, leaving mentees unmatched included."""
    best = (0, 0.0)
    load = dict.fromkeys(mentors, 0)

    def visit(k, matched, total):
        nonlocal best
        if k == len(mentees):
            best = max(best, (matched, total))
            return
        visit(k + 1, matched, total)  # this mentee stays unmatched
        for mentor, score in scores.get(mentees[k], {}).items():
            if (mentees[k], mentor) not in forbidden and load[mentor] < capacity[mentor]:
                load[mentor] += 1
                visit(k + 1, matched + 1, total + score)
                load[mentor] -= 1

    visit(0, 0, 0.0)
    return best


def exhaustive(mentees, mentors, scores, forbidden, capacity):
    """Same answer as brute_force, memoised on (mentee, loads) so 12 mentees stay fast."""

    @functools.lru_cache(maxsize=None)
    def best(k, loads):
        if k == len(mentees):
            return (0, 0.0)
        options = [best(k + 1, loads)]
        for j, mentor in enumerate(mentors):
            score = scores.get(mentees[k], {}).get(mentor)
            if score is not None and (mentees[k], mentor) not in forbidden and loads[j] < capacity[mentor]:
                count, total = best(k + 1, loads[:j] + (loads[j] + 1,) + loads[j + 1:])
                options.append((count + 1, total + score))
        return max(options)

    return best(0, (0,) * len(mentors))


def assert_feasible(result, mentees, scores, forbidden, capacity):
    assert len({p.mentee for p in result.pairs}) == len(result.pairs)
    assert sorted([p.mentee for p in result.pairs] + result.unmatched) == sorted(mentees)
    for pair in result.pairs:
        assert pair.mentor in scores[pair.mentee]
        assert (pair.mentee, pair.mentor) not in forbidden
        assert pair.score == scores[pair.mentee][pair.mentor]
    for mentor, cap in capacity.items():
        assert sum(p.mentor == mentor for p in result.pairs) <= cap
    assert math.isclose(result.objective, sum(p.score for p in result.pairs), abs_tol=1e-9)


score_values = st.one_of(
    st.sampled_from([-1.5, 0.0, 0.25, 1.0, 2.0]),  # ties
    st.floats(min_value=-10, max_value=10, allow_nan=False, allow_infinity=False),
)


@st.composite
def instances(draw):
    mentees = [f"e{i}" for i in range(draw(st.integers(0, 7)))]
    mentors = [f"m{j}" for j in range(draw(st.integers(0, 3)))]
    capacity = {m: draw(st.integers(0, 3)) for m in mentors}
    scores, forbidden = {}, set()
    for e in mentees:
        scores[e] = {}
        for m in mentors:
            score = draw(st.one_of(st.none(), score_values))
            if score is not None:
                scores[e][m] = score
            if draw(st.integers(0, 4)) == 0:
                forbidden.add((e, m))
    return mentees, mentors, scores, forbidden, capacity


# The engine's own paths: default; one first candidate per mentee and one added per
# round (the price certificate must find every missing pair); dense scipy only.
PATHS = [{}, {"first_candidates": 1, "added": 1, "max_rounds": 1000}, {"max_rounds": 0}]


def solve_via(path, mentees, mentors, scores, forbidden, capacity):
    mentee_ids, mentor_ids = sorted(mentees), sorted(mentors)
    matrix = score_matrix(mentee_ids, mentor_ids, scores, forbidden)
    chosen = assign(matrix, np.array([capacity[m] for m in mentor_ids]), **path)
    return result_from(mentee_ids, mentor_ids, matrix, chosen, 0.0)


@settings(max_examples=300, deadline=None)
@given(instances())
def test_solver_matches_brute_force_on_small_instances(instance):
    mentees, mentors, scores, forbidden, capacity = instance
    matched, total = brute_force(mentees, mentors, scores, forbidden, capacity)

    for path in PATHS:
        result = solve_via(path, *instance)

        assert_feasible(result, mentees, scores, forbidden, capacity)
        assert len(result.pairs) == matched
        assert result.objective == pytest.approx(total, abs=1e-9)


def random_instance(rng: random.Random, n: int, k: int, max_cap: int):
    mentees, mentors = [f"e{i:03d}" for i in range(n)], [f"m{j:03d}" for j in range(k)]
    capacity = {m: rng.randint(0, max_cap) for m in mentors}
    scores = {e: {m: round(rng.uniform(-1, 1), 3) for m in mentors if rng.random() < 0.6} for e in mentees}
    forbidden = {(e, m) for e in mentees for m in mentors if rng.random() < 0.15}
    return mentees, mentors, scores, forbidden, capacity


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("seed", range(40))
def test_solver_matches_exhaustive_search_up_to_twelve_mentees(seed, path):
    rng = random.Random(seed)
    instance = random_instance(rng, rng.randint(8, 12), rng.randint(1, 4), 4)

    result = solve_via(path, *instance)

    assert_feasible(result, instance[0], instance[2], instance[3], instance[4])
    matched, total = exhaustive(*instance)
    assert (len(result.pairs), result.objective) == (matched, pytest.approx(total, abs=1e-9))


def independent_optimum(mentees, mentors, scores, forbidden, capacity):
    """Textbook formulation: every mentor repeated `capacity` times, one private
    'unmatched' column per mentee, forbidden cells effectively impossible."""
    n = len(mentees)
    big, impossible = 10_000.0, -1e9  # scores are in [0, 1], so big > n × score range
    columns = [m for m in mentors for _ in range(capacity[m])]
    weight = np.full((n, len(columns) + n), impossible)
    for i, e in enumerate(mentees):
        weight[i, len(columns) + i] = 0.0
        for c, m in enumerate(columns):
            if m in scores[e] and (e, m) not in forbidden:
                weight[i, c] = big + scores[e][m]
    rows, cols = linear_sum_assignment(weight, maximize=True)
    real = [(i, c) for i, c in zip(rows, cols) if c < len(columns)]
    return len(real), sum(scores[mentees[i]][columns[c]] for i, c in real)


@pytest.mark.parametrize("path", PATHS[:2])
@pytest.mark.parametrize("seed", range(5))
def test_solver_matches_scipy_on_slot_expanded_matrix_for_200_mentees(seed, path):
    rng = random.Random(seed)
    mentees, mentors = [f"e{i:03d}" for i in range(200)], [f"m{j:02d}" for j in range(30)]
    capacity = {m: rng.randint(0, 9) for m in mentors}
    scores = {e: {m: rng.random() for m in mentors if rng.random() < 0.3} for e in mentees}
    forbidden = {(e, m) for e in mentees for m in mentors if rng.random() < 0.1}

    result = solve_via(path, mentees, mentors, scores, forbidden, capacity)

    assert_feasible(result, mentees, scores, forbidden, capacity)
    matched, total = independent_optimum(mentees, mentors, scores, forbidden, capacity)
    assert len(result.pairs) == matched
    assert result.objective == pytest.approx(total, abs=1e-6)


@pytest.mark.parametrize("seed", range(10))
def test_shuffled_input_order_gives_the_same_pairs(seed):
    rng = random.Random(seed)
    mentees, mentors, scores, forbidden, capacity = random_instance(rng, 30, 6, 4)
    # Ties on purpose: many equal scores, so only a canonical order keeps results stable.
    scores = {e: {m: float(rng.randint(0, 2)) for m in by_m} for e, by_m in scores.items()}
    shuffled = rng.sample(mentees, len(mentees)), rng.sample(mentors, len(mentors))
    shuffled_scores = {e: dict(rng.sample(list(scores[e].items()), len(scores[e]))) for e in shuffled[0]}

    first = solve(mentees, mentors, scores, forbidden, capacity)
    second = solve(*shuffled, shuffled_scores, list(forbidden)[::-1], dict(reversed(capacity.items())))

    assert first.pairs == second.pairs


def test_matching_one_more_mentee_beats_any_score_gain():
    scores = {"e1": {"m1": 10.0, "m2": 0.1}, "e2": {"m1": 0.1}}

    result = solve(["e1", "e2"], ["m1", "m2"], scores, (), {"m1": 1, "m2": 1})

    assert [(p.mentee, p.mentor) for p in result.pairs] == [("e1", "m2"), ("e2", "m1")]


def test_a_negative_score_still_beats_leaving_the_mentee_unmatched():
    result = solve(["e1"], ["m1"], {"e1": {"m1": -5.0}}, (), {"m1": 1})

    assert (result.pairs[0].mentor, result.objective) == ("m1", -5.0)


def test_forbidden_pair_is_never_used_even_when_it_is_the_only_option():
    result = solve(["e1"], ["m1"], {"e1": {"m1": 1.0}}, [("e1", "m1")], {"m1": 3})

    assert (result.pairs, result.unmatched) == ([], ["e1"])


def test_mentor_capacity_caps_the_pairs():
    scores = {f"e{i}": {"m1": 1.0} for i in range(5)}

    result = solve(list(scores), ["m1"], scores, (), {"m1": 2})

    assert (len(result.pairs), len(result.unmatched)) == (2, 3)


def test_empty_instances_give_empty_results():
    assert solve([], [], {}, (), {}).pairs == []
    assert solve(["e1"], [], {"e1": {}}, (), {}).unmatched == ["e1"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((["e1", "e1"], ["m1"], {}, (), {"m1": 1}), "duplicate mentee"),
        ((["e1"], ["m1"], {"e9": {"m1": 1.0}}, (), {"m1": 1}), "unknown mentee 'e9'"),
        ((["e1"], ["m1"], {"e1": {"m9": 1.0}}, (), {"m1": 1}), "unknown mentor 'm9'"),
        ((["e1"], ["m1"], {"e1": {"m1": float("nan")}}, (), {"m1": 1}), "finite"),
        ((["e1"], ["m1"], {"e1": {"m1": "high"}}, (), {"m1": 1}), "must be a number"),
        ((["e1"], ["m1"], {}, [("e1", "m9")], {"m1": 1}), "forbidden"),
        ((["e1"], ["m1"], {}, (), {"m1": -1}), "non-negative"),
    ],
)
def test_invalid_solver_input_is_refused_with_a_clear_message(args, message):
    with pytest.raises(ValueError, match=message):
        solve(*args)
