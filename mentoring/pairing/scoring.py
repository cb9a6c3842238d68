"""Pair scores, hard rules and reasons from people attributes (pure: numpy + scipy).

score = work × (share of the mentee's work items the mentor influences)
      + skills × (share of the mentee's goals the mentor has as skills)
      + hours × min(shared working hours, full_hours) / full_hours
      - repeat (a pair from a recent cohort, when the no-repeat rule is off)
      - load × (how close the mentor is to their load cap, from `load_from` on)

Hard rules make a pair not allowed: opt-outs (either side), manager or direct
report (either direction), a recent pair (rule `no_repeat`), fewer shared working
hours than `min_shared_hours`, and the instance's own `forbidden` list.

Scores are computed for whole matrices at once (sparse incidence products, one
time-zone computation per distinct (zone, hours) pair): at 5,000 × 834 pairs a
per-pair Python loop would cost seconds. Reasons are only built for chosen pairs.

Working hours are local wall-clock times on one reference date, converted to UTC
with zoneinfo; the date matters around DST changes (Berlin–New York share 2 h in
January but 3 h between the US and EU switch dates in March). Default date:
DEFAULT_REFERENCE_DATE, fixed so that results never depend on the day of the run;
callers pass the cohort's start date as `reference_date`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
from scipy.sparse import csr_matrix

DEFAULT_REFERENCE_DATE = date(2025, 1, 15)


@dataclass(frozen=True)
class Weights:
    work: float = 0.5
    skills: float = 0.3
    hours: float = 0.2
    full_hours: float = 8.0  # shared hours that earn the whole `hours` weight
    repeat: float = 0.3
    load: float = 0.2  # penalty at (or above) the load cap
    load_from: float = 0.5  # share of the load cap where the load penalty starts
    load_cap: int = 6  # mentees elsewhere; a mentor's own `load_cap` wins

    def __post_init__(self):
        if self.full_hours <= 0 or not 0 <= self.load_from < 1 or self.load_cap < 0:
            raise ValueError("need full_hours > 0, 0 <= load_from < 1 and load_cap >= 0")


@dataclass(frozen=True)
class Rules:
    no_repeat: bool = True
    min_shared_hours: float = 1.0


@dataclass(frozen=True)
class Mentee:
    id: str
    work_items: tuple[str, ...] = ()
    goals: tuple[str, ...] = ()
    tz: str = "UTC"
    working_hours: tuple[str, str] | None = None  # local "HH:MM"; None = unknown
    manager_id: str | None = None
    opt_outs: frozenset[str] = frozenset()
    recent_mentors: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Mentor:
    id: str
    capacity: int = 6
    work_items: tuple[str, ...] = ()
    skills: tuple[str, ...] = ()
    tz: str = "UTC"
    working_hours: tuple[str, str] | None = None
    manager_id: str | None = None
    load: int = 0  # current mentees elsewhere
    load_cap: int | None = None
    opt_outs: frozenset[str] = frozenset()


@dataclass
class Scored:
    matrix: np.ndarray  # mentees × mentors, NaN where a hard rule excludes the pair
    excluded: dict[str, np.ndarray]  # rule text ("opted out") -> bool mask of excluded pairs
    hours: np.ndarray  # shared working hours per pair, NaN when unknown
    load_penalty: np.ndarray  # per mentor


def score_pairs(
    mentees: list[Mentee],
    mentors: list[Mentor],
    weights: Weights = Weights(),
    rules: Rules = Rules(),
    reference_date: date | None = None,
    forbidden: list[tuple[str, str]] = (),
) -> Scored:
    """Score every (mentee, mentor) pair; rows and columns follow the given order."""
    day = reference_date or DEFAULT_REFERENCE_DATE
    n, m = len(mentees), len(mentors)
    work = _shared_counts([e.work_items for e in mentees], [t.work_items for t in mentors])
    skills = _shared_counts([e.goals for e in mentees], [t.skills for t in mentors])
    work /= np.array([max(1, len(_keys(e.work_items))) for e in mentees], dtype=float)[:, None]
    skills /= np.array([max(1, len(_keys(e.goals))) for e in mentees], dtype=float)[:, None]
    hours = _hours_matrix(mentees, mentors, day)
    hours_part = np.nan_to_num(np.minimum(hours, weights.full_hours) / weights.full_hours)  # unknown -> 0
    load_penalty = np.array([_load_penalty(t, weights) for t in mentors], dtype=float)
    matrix = weights.work * work + weights.skills * skills + weights.hours * hours_part - load_penalty[None, :]

    row = {e.id: i for i, e in enumerate(mentees)}
    col = {t.id: j for j, t in enumerate(mentors)}

    def mask(index_pairs) -> np.ndarray:
        out = np.zeros((n, m), dtype=bool)
        for i, j in index_pairs:
            if i is not None and j is not None:
                out[i, j] = True
        return out

    recent = mask((i, col.get(t)) for i, e in enumerate(mentees) for t in e.recent_mentors)
    excluded = {
        "the mentee themselves": mask((row.get(t.id), j) for j, t in enumerate(mentors)),
        "opted out": mask([(i, col.get(t)) for i, e in enumerate(mentees) for t in e.opt_outs]
                          + [(row.get(e), j) for j, t in enumerate(mentors) for e in t.opt_outs]),
        "manager or direct report": mask([(i, col.get(e.manager_id)) for i, e in enumerate(mentees)]
                                         + [(row.get(t.manager_id), j) for j, t in enumerate(mentors)]),
        "paired in a recent cohort": recent if rules.no_repeat else mask(()),
        # NaN (unknown hours) compares False: unknown hours never exclude a pair.
        f"under {rules.min_shared_hours:g} h shared working hours": hours < rules.min_shared_hours,
        "forbidden by the instance": mask((row.get(e), col.get(t)) for e, t in forbidden),
    }
    if not rules.no_repeat:
        matrix -= weights.repeat * recent
    for rule_mask in excluded.values():
        matrix[rule_mask] = np.nan
    return Scored(matrix, excluded, hours, load_penalty)


def explain(
    mentee: Mentee, mentor: Mentor, scored: Scored, i: int, j: int, weights: Weights, rules: Rules
) -> list[str]:
    """Human-readable reasons for the pair at row i, column j of `scored`."""
    reasons = []
    shared_work = _shared_labels(mentee.work_items, mentor.work_items)
    if shared_work:
        reasons.append(f"both on {_join(shared_work)}")
    shared_skills = _shared_labels(mentee.goals, mentor.skills)
    if shared_skills:
        reasons.append(f"mentor has {_join(shared_skills)}, which mentee wants to build")
    if not np.isnan(scored.hours[i, j]):
        reasons.append(f"{round(float(scored.hours[i, j]), 1):g} h shared working hours")
    if not rules.no_repeat and mentor.id in mentee.recent_mentors:
        reasons.append(f"paired in a recent cohort (-{weights.repeat:g})")
    if scored.load_penalty[j] > 0:
        reasons.append(f"mentor already has {mentor.load} mentee(s) elsewhere (-{scored.load_penalty[j]:.2f})")
    return reasons


def shared_hours(tz_a: str, hours_a: tuple[str, str], tz_b: str, hours_b: tuple[str, str], day: date) -> float:
    """Hours of a's working day on `day` that fall inside b's working hours.

    b's windows on the surrounding days count too: far apart zones (Tokyo and
    San Francisco) share time across the date line. Windows on different days
    never overlap each other (each is under 24 h), so the sum counts no hour twice.
    """
    a_start, a_end = utc_window(tz_a, hours_a, day)
    total = timedelta(0)
    for shift in (-2, -1, 0, 1, 2):
        b_start, b_end = utc_window(tz_b, hours_b, day + timedelta(days=shift))
        total += max(timedelta(0), min(a_end, b_end) - max(a_start, b_start))
    return total.total_seconds() / 3600


def utc_window(tz: str, hours: tuple[str, str], day: date) -> tuple[datetime, datetime]:
    """Working hours given in local wall-clock time on `day`, as a UTC interval.

    An end at or before the start means the shift runs past midnight; "24:00"
    is the end of the day. Raises ValueError on an unknown zone or bad times.
    """
    try:
        zone = ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise ValueError(f"unknown time zone {tz!r}") from None
    if not isinstance(hours, (list, tuple)) or len(hours) != 2:
        raise ValueError(f"working_hours must be [start, end], got {hours!r}")
    start, end = (_clock(h) for h in hours)
    if start == end or start == (24, 0):
        raise ValueError(f"working_hours {list(hours)!r} must span some time")
    if end == (24, 0):
        end_day, end = day + timedelta(days=1), (0, 0)
    else:
        end_day = day if end > start else day + timedelta(days=1)
    # Convert each end separately: subtracting two aware datetimes of the same zone
    # would use wall-clock time and miss a DST jump inside the window.
    local_start = datetime.combine(day, time(*start), tzinfo=zone)
    local_end = datetime.combine(end_day, time(*end), tzinfo=zone)
    return local_start.astimezone(UTC), local_end.astimezone(UTC)


def _clock(text) -> tuple[int, int]:
    try:
        hh, mm = str(text).split(":")
        value = (int(hh), int(mm))
    except ValueError:
        raise ValueError(f"bad time {text!r}, expected HH:MM") from None
    if not (0 <= value[0] < 24 and 0 <= value[1] < 60) and value != (24, 0):
        raise ValueError(f"bad time {text!r}, expected HH:MM")
    return value


def _hours_matrix(mentees: list[Mentee], mentors: list[Mentor], day: date) -> np.ndarray:
    """Shared hours per pair, computed once per distinct pair of (zone, hours)."""
    if not mentees or not mentors:
        return np.full((len(mentees), len(mentors)), np.nan)
    left = {(e.tz, e.working_hours): None for e in mentees}
    right = {(t.tz, t.working_hours): None for t in mentors}
    left_index = {key: k for k, key in enumerate(left)}
    right_index = {key: k for k, key in enumerate(right)}
    table = np.array(
        [[shared_hours(a[0], a[1], b[0], b[1], day) if a[1] and b[1] else np.nan for b in right] for a in left],
        dtype=float,
    ).reshape(len(left), len(right))
    rows = [left_index[(e.tz, e.working_hours)] for e in mentees]
    cols = [right_index[(t.tz, t.working_hours)] for t in mentors]
    return table[np.ix_(rows, cols)]


def _load_penalty(mentor: Mentor, weights: Weights) -> float:
    cap = mentor.load_cap if mentor.load_cap is not None else weights.load_cap
    used = mentor.load / cap if cap > 0 else float(mentor.load > 0)
    ramp = (used - weights.load_from) / max(1e-9, 1 - weights.load_from)
    return weights.load * min(1.0, max(0.0, ramp))


def _key(label: str) -> str:
    # "Payments v2" and "payments  V2" are the same work item.
    return " ".join(str(label).split()).casefold()


def _keys(labels) -> set[str]:
    return {_key(label) for label in labels}


def _shared_counts(left: list, right: list) -> np.ndarray:
    """counts[i, j] = number of labels left[i] and right[j] have in common."""
    vocab: dict[str, int] = {}

    def incidence(groups) -> csr_matrix:
        rows, cols = [], []
        for i, labels in enumerate(groups):
            for key in _keys(labels):
                rows.append(i)
                cols.append(vocab.setdefault(key, len(vocab)))
        return rows, cols

    (lr, lc), (rr, rc) = incidence(left), incidence(right)
    shape = len(vocab)
    a = csr_matrix((np.ones(len(lr)), (lr, lc)), shape=(len(left), shape))
    b = csr_matrix((np.ones(len(rr)), (rr, rc)), shape=(len(right), shape))
    return (a @ b.T).toarray()


def _shared_labels(mine, theirs) -> list[str]:
    """Labels of `mine` also in `theirs`, in `mine`'s order and spelling, once each."""
    wanted, seen, out = _keys(theirs), set(), []
    for label in mine:
        if _key(label) in wanted and _key(label) not in seen:
            seen.add(_key(label))
            out.append(label)
    return out


def _join(labels: list[str]) -> str:
    return labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " and " + labels[-1]
