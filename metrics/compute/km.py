"""Kaplan–Meier quantiles with censoring, and a bootstrap of the difference of
two KM medians (fixed seed, so a figure does not move between recomputes)."""

from __future__ import annotations

import numpy as np

# Float products such as 0.75 · (2/3) land a hair off 0.5; the definition's
# "≤ 50%" must still hold there.
_EPS = 1e-9
BOOTSTRAP_SEED = 20_251_106
BOOTSTRAP_RESAMPLES = 1_000  # the definition asks for at least 1,000


def _ordered(durations, events) -> tuple[np.ndarray, np.ndarray]:
    """Sorted by time; at one time, events before censorings (a person censored
    at t was still at risk at t)."""
    t = np.asarray(durations, dtype=float)
    e = np.asarray(events, dtype=bool)
    order = np.lexsort((~e, t))
    return t[order], e[order]


def km_quantiles(durations, events, shares=(0.5, 0.25)) -> list[float | None]:
    """For each share q: the first time at which the estimated share without the
    event is ≤ q (q=0.5: median, q=0.25: p75); ``None`` = not reached."""
    t, e = _ordered(durations, events)
    if t.size == 0:
        return [None for _ in shares]
    # Sequential product over people in time order equals the grouped
    # Π(1 - d/n) at each distinct time (ties telescope), and vectorises.
    at_risk = np.arange(t.size, 0, -1, dtype=float)
    surv = np.cumprod(1.0 - e / at_risk)
    answers = []
    for q in shares:
        hit = np.flatnonzero(surv <= q + _EPS)
        answers.append(float(t[hit[0]]) if hit.size else None)
    return answers


def _km_median_weighted(t: np.ndarray, e: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """KM medians of many resamples at once: ``weights`` is (resamples × people),
    how often each person was drawn; ``t``/``e`` already ordered. NaN = not reached."""
    at_risk = np.cumsum(weights[:, ::-1], axis=1)[:, ::-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.where(at_risk > 0, 1.0 - weights * e / at_risk, 1.0)
    surv = np.cumprod(factor, axis=1)
    reached = surv <= 0.5 + _EPS
    first = np.argmax(reached, axis=1)
    medians = t[first].astype(float)
    medians[~reached.any(axis=1)] = np.nan
    return medians


def _resampled_medians(rng, t: np.ndarray, e: np.ndarray, resamples: int) -> np.ndarray:
    """KM medians of ``resamples`` draws with replacement of the n people.

    The KM estimate depends only on how many people share each (time, event)
    pair, and drawing n people with replacement draws those counts from a
    multinomial over the pairs: so the resamples are drawn over the few
    distinct pairs (a few hundred days) instead of over thousands of people."""
    key = t.astype(np.int64) * 2 + (~e)  # by time, events before censorings
    pairs, counts = np.unique(key, return_counts=True)
    weights = rng.multinomial(t.size, counts / t.size, size=resamples).astype(float)
    return _km_median_weighted(pairs // 2, pairs % 2 == 0, weights)


def bootstrap_median_difference(a_durations, a_events, b_durations, b_events, *,
                                resamples: int = BOOTSTRAP_RESAMPLES, seed: int = BOOTSTRAP_SEED,
                                level: float = 0.90) -> dict:
    """KM median of A minus KM median of B, with a percentile bootstrap interval.

    Each resample draws both groups with replacement (sizes kept). Resamples in
    which either median is not reached are left out and counted; with fewer
    than half usable the interval is ``None`` (not estimable), never a guess.
    """
    a_t, a_e = _ordered(a_durations, a_events)
    b_t, b_e = _ordered(b_durations, b_events)
    med_a = km_quantiles(a_t, a_e, (0.5,))[0]
    med_b = km_quantiles(b_t, b_e, (0.5,))[0]
    result = {"difference": None, "low": None, "high": None, "resamples": resamples, "usable": 0,
              "level": level}
    if med_a is None or med_b is None or a_t.size == 0 or b_t.size == 0:
        return result
    result["difference"] = med_a - med_b
    # One stream per group: a group's resamples do not depend on the other group's size.
    diffs = (_resampled_medians(np.random.default_rng([seed, 0]), a_t, a_e, resamples)
             - _resampled_medians(np.random.default_rng([seed, 1]), b_t, b_e, resamples))
    diffs = diffs[~np.isnan(diffs)]
    result["usable"] = int(diffs.size)
    if diffs.size * 2 >= resamples:
        tail = (1.0 - level) / 2 * 100
        result["low"], result["high"] = (float(x) for x in np.percentile(diffs, [tail, 100 - tail]))
    return result
