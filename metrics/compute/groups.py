"""All figures of one group and period, the participants-vs-comparison block,
and the k rule applied against the parent group."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import figures as f
from .km import bootstrap_median_difference
from .privacy import apply_k, group_too_small, suppressed

METRICS = ("ramp", "actions", "micro_outcome", "touch", "mentor_load", "mobility", "sentiment", "comparison")


@dataclass(frozen=True)
class Policy:
    k: int = 5
    min_minutes: int = 15
    max_minutes: int = 30
    mentee_cap: int = 2


def participants_mask(h: f.History, frm: int, to: int) -> np.ndarray:
    """People in any program during the period: participants of a cohort
    overlapping it, and — network programs have no cohorts — anyone who took
    part in a held (not cancelled) session in it, as mentor or mentee."""
    mask = np.zeros(h.people, dtype=bool)
    rows = (h.p_start <= to) & (h.p_end >= frm)
    mask[h.p_person[rows]] = True
    held = (h.s_day >= frm) & (h.s_day <= to) & (h.s_status != f.CANCELLED)
    mask[h.s_mentor[held]] = True
    mask[h.s_mentee[held]] = True
    return mask


def raw_figures(h: f.History, member: np.ndarray, frm: int, to: int, policy: Policy) -> dict:
    """Every metric but the comparison, unsuppressed."""
    return {
        "ramp": f.ramp_time(h, member, frm, to),
        "actions": f.action_completion(h, member, frm, to),
        "micro_outcome": f.micro_outcome(h, member, frm, to, min_minutes=policy.min_minutes,
                                         max_minutes=policy.max_minutes),
        "touch": f.touch_frequency(h, member, frm, to, cap=policy.mentee_cap),
        "mentor_load": f.mentor_load(h, member, frm, to),
        "mobility": f.mobility(h, member, frm, to),
        "sentiment": f.sentiment(h, member, frm, to, k=policy.k),
    }


def _side(h, mask, frm, to, cache: dict | None = None) -> dict:
    """Ramp and mobility of one side; the comparison side of every program and
    cohort is the same group, computed once per period through ``cache``."""
    key = (frm, to, mask.tobytes())
    if cache is not None and key in cache:
        return cache[key]
    small = h.restrict(mask)
    side = {"ramp": f.ramp_time(small, mask, frm, to), "mobility": f.mobility(small, mask, frm, to)}
    if cache is not None:
        cache[key] = side
    return side


def comparison_raw(h: f.History, participants: np.ndarray, others: np.ndarray, frm: int, to: int,
                   k: int, cache: dict | None = None, inside: f.History | None = None) -> dict:
    """Participants vs comparison (people never in a program in the period):
    ramp time and time to promotion (KM medians, both n, the difference with
    its bootstrap 90% interval) and promotions per 100 person-years."""
    a, b = _side(inside or h, participants, frm, to, cache), _side(h, others, frm, to, cache)
    out = {}
    for name in ("ramp_days", "months_to_promotion"):
        fa, fb = (_summary(name, side) for side in (a, b))
        entry = {"participants": fa, "comparison": fb, "difference": None}
        # The bootstrap only where both sides could be shown (it is the costly part).
        if fa["n"] >= k and fb["n"] >= k:
            source = "ramp" if name == "ramp_days" else "mobility"
            boot = bootstrap_median_difference(a[source]["_durations"], a[source]["_events"],
                                               b[source]["_durations"], b[source]["_events"])
            scale = 1.0 if name == "ramp_days" else f.DAYS_PER_MONTH
            entry["difference"] = {key: (None if boot[key] is None else boot[key] / scale)
                                   for key in ("difference", "low", "high")} | {
                "resamples": boot["resamples"], "usable": boot["usable"], "level": boot["level"]}
        out[name] = entry
    out["promotions_per_100py"] = {
        side: {"n": s["mobility"]["n"], "value": s["mobility"]["promotions_per_100py"]}
        for side, s in (("participants", a), ("comparison", b))}
    return out


def comparison_shown(raw: dict, k: int, parent: dict | None) -> dict:
    """The k rule on the comparison block; each side is the other's complement
    inside the group, so one side suppressed suppresses the other and the difference."""
    shown = apply_k(raw, k, parent)
    for block in shown.values():
        if any(block[side].get("suppressed") for side in ("participants", "comparison")):
            block["participants"] = block["comparison"] = suppressed(k)
            if "difference" in block:
                block["difference"] = None
    return shown


def _summary(name, side) -> dict:
    if name == "ramp_days":
        fig = side["ramp"]
        return {"n": fig["n"], "median": fig["median_days"], "p75": fig["p75_days"], "ramped": fig["ramped"],
                "censored": fig["censored"]}
    tp = side["mobility"]["to_promotion"]
    return {"n": tp["n"], "median": tp["median_months"], "promoted": tp["promoted"], "censored": tp["censored"]}


def group_payload(h: f.History, member: np.ndarray, frm: int, to: int, policy: Policy, *,
                  comparison_of: tuple[np.ndarray, np.ndarray] | None = None,
                  parent: tuple[np.ndarray, dict] | None = None, cache: dict | None = None) -> tuple[dict, dict]:
    """-> (payload with the k rule applied, raw figures for children to diff against).

    ``comparison_of``: (participants, comparison) masks; by default the
    group's participants vs the group's non-participants. ``parent``: (mask,
    raw figures) of the enclosing group, for the differencing check.
    """
    small = h.restrict(member)
    raw = raw_figures(small, member, frm, to, policy)
    if comparison_of is None:
        joined = participants_mask(h, frm, to)
        comparison_of = (member & joined, member & ~joined)
    # The participants side lies inside the group: its rows are already cut down.
    others_inside = not (comparison_of[1] & ~member).any()
    raw["comparison"] = comparison_raw(small if others_inside else h, *comparison_of, frm, to, policy.k, cache,
                                       inside=small)
    size = int(member.sum())
    parent_mask, parent_raw = parent if parent else (None, {})
    too_small = group_too_small(size, policy.k, None if parent_mask is None else int(parent_mask.sum()))
    shown = {name: apply_k(value, policy.k, parent_raw.get(name), force=too_small)
             for name, value in raw.items() if name != "comparison"}
    if too_small:
        shown["comparison"] = {name: {"participants": suppressed(policy.k), "comparison": suppressed(policy.k)}
                               | ({"difference": None} if "difference" in block else {})
                               for name, block in raw["comparison"].items()}
    else:
        shown["comparison"] = comparison_shown(raw["comparison"], policy.k, parent_raw.get("comparison"))
    shown["group"] = suppressed(policy.k) if too_small else {"n": size}
    return shown, raw
