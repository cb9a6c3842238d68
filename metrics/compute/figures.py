"""One function per metric of DESIGN.md §5, on numpy arrays of one org's history.

Every function takes the arrays it needs, ``member`` (a boolean mask over the
org's people: who is in the group) and the period ``frm``/``to`` (day numbers,
both included, evaluated "as of" ``to``) and returns a dict of plain numbers.
Each figure carries ``n``: the number of *people* it is computed from (what
the k rule counts). Keys starting with ``_`` are working data for the
comparison block and never leave the computation.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .km import km_quantiles

HIRE, TRANSFER, PROMOTION = 0, 1, 2
BOOKED, DONE, CANCELLED = 0, 1, 2
MENTOR, MENTEE = 0, 1
NOT_DONE = -1
DAYS_PER_YEAR = 365.25
DAYS_PER_MONTH = DAYS_PER_YEAR / 12
ON_TIME_WINDOW_DAYS = 14


def _a(values, dtype=np.int64) -> np.ndarray:
    return np.asarray(values, dtype=dtype)


def monday(days) -> np.ndarray:
    """The day number of the Monday of each day's ISO week (day 1 = Mon 1 Jan 0001)."""
    days = _a(days)
    return days - (days - 1) % 7


def _median(values) -> float | None:
    return float(np.median(values)) if len(values) else None


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _people(*person_arrays) -> int:
    arrays = [_a(p) for p in person_arrays if len(p)]
    return int(np.unique(np.concatenate(arrays)).size) if arrays else 0


@dataclass
class History:
    """One org's inputs, as arrays (see metrics/selectors.py for how they are loaded)."""

    people: int
    hire_day: np.ndarray = None          # -1: unknown (present since before any period)
    end_day: np.ndarray = None           # day they left; a large number while active
    team: np.ndarray = None              # team index per person, -1 none
    ev_person: np.ndarray = field(default_factory=lambda: _a([]))
    ev_day: np.ndarray = field(default_factory=lambda: _a([]))
    ev_kind: np.ndarray = field(default_factory=lambda: _a([]))
    ms_person: np.ndarray = field(default_factory=lambda: _a([]))
    ms_day: np.ndarray = field(default_factory=lambda: _a([]))
    s_mentor: np.ndarray = field(default_factory=lambda: _a([]))
    s_mentee: np.ndarray = field(default_factory=lambda: _a([]))
    s_day: np.ndarray = field(default_factory=lambda: _a([]))
    s_status: np.ndarray = field(default_factory=lambda: _a([]))
    s_minutes: np.ndarray = field(default_factory=lambda: _a([]))
    s_steps: np.ndarray = field(default_factory=lambda: _a([]))
    st_owner: np.ndarray = field(default_factory=lambda: _a([]))
    st_session_day: np.ndarray = field(default_factory=lambda: _a([]))
    st_created_day: np.ndarray = field(default_factory=lambda: _a([]))
    st_due_day: np.ndarray = field(default_factory=lambda: _a([]))
    st_done_day: np.ndarray = field(default_factory=lambda: _a([]))
    sv_person: np.ndarray = field(default_factory=lambda: _a([]))
    sv_day: np.ndarray = field(default_factory=lambda: _a([]))
    sv_score: np.ndarray = field(default_factory=lambda: _a([]))
    sv_comment: list = field(default_factory=list)
    p_person: np.ndarray = field(default_factory=lambda: _a([]))
    p_role: np.ndarray = field(default_factory=lambda: _a([]))
    p_start: np.ndarray = field(default_factory=lambda: _a([]))
    p_end: np.ndarray = field(default_factory=lambda: _a([]))
    p_cohort: np.ndarray = field(default_factory=lambda: _a([]))
    p_program: np.ndarray = field(default_factory=lambda: _a([]))

    def __post_init__(self):
        for name in ("hire_day", "end_day", "team"):
            if getattr(self, name) is None:
                setattr(self, name, np.full(self.people, -1 if name != "end_day" else 10**7, dtype=np.int64))
        for name, value in vars(self).items():
            if name not in ("people", "sv_comment", "_by_person") and not isinstance(value, np.ndarray):
                setattr(self, name, _a(value))
        comments = np.empty(self.sv_person.size, dtype=object)
        comments[:len(self.sv_comment)] = list(self.sv_comment)[:self.sv_person.size]
        self.sv_comment = comments
        self.sv_has_comment = np.array([bool(c) for c in comments], dtype=bool)
        self._by_person = {}

    # Tables and the column that names the person each row belongs to.
    TABLES = {"ev": ("ev_person",), "ms": ("ms_person",), "s": ("s_mentee", "s_mentor"), "st": ("st_owner",),
              "sv": ("sv_person",), "p": ("p_person",)}

    def _columns(self, prefix: str) -> list[str]:
        return [name for name, value in self.__dict__.items()
                if name.startswith(prefix + "_") and isinstance(value, np.ndarray)]

    def _rows_of(self, column: str, people: np.ndarray) -> np.ndarray:
        """Indexes of the rows of ``column`` naming one of ``people`` (a sorted
        index per column, built once), without scanning the whole table."""
        if column not in self._by_person:
            order = np.argsort(getattr(self, column), kind="stable")
            self._by_person[column] = (order, getattr(self, column)[order])
        order, values = self._by_person[column]
        lo, hi = np.searchsorted(values, people, "left"), np.searchsorted(values, people, "right")
        counts = hi - lo
        total = int(counts.sum())
        offsets = np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)
        return order[np.repeat(lo, counts) + offsets]

    def window(self, frm: int, to: int) -> "History":
        """The rows a period [frm, to] can use (sessions and answers in it; next
        steps due, held or done in it); role events, milestones and cohorts stay
        whole (a role start needs its milestone or promotion up to ``to``).
        Figures on the window equal figures on the whole history."""
        out = History.__new__(History)
        out.__dict__.update(self.__dict__)
        out._by_person = {}
        keep = {"s": (self.s_day >= frm) & (self.s_day <= to),
                "sv": (self.sv_day >= frm) & (self.sv_day <= to),
                "st": ((self.st_due_day >= frm) & (self.st_due_day <= to))
                | ((self.st_session_day >= frm) & (self.st_session_day <= to))
                | ((self.st_done_day >= frm) & (self.st_done_day <= to))}
        for prefix, rows in keep.items():
            for name in self._columns(prefix):
                setattr(out, name, getattr(self, name)[rows])
        return out

    def restrict(self, member: np.ndarray) -> "History":
        """The same history with only the rows of the group's people (people
        arrays stay whole): the figures of a small group then cost as little as
        its rows. Every figure still applies its own mask, so the result is the
        same as on the whole history."""
        if member.all():
            return self
        people = np.flatnonzero(member)
        out = History.__new__(History)
        out.__dict__.update({k: v for k, v in self.__dict__.items()})
        out._by_person = {}
        for prefix, columns in self.TABLES.items():
            if len(columns) > 1:
                marked = np.zeros(getattr(self, columns[0]).size, dtype=bool)
                for column in columns:
                    marked[self._rows_of(column, people)] = True
                idx = np.flatnonzero(marked)
            else:
                idx = np.sort(self._rows_of(columns[0], people))
            for name in self._columns(prefix):
                setattr(out, name, getattr(self, name)[idx])
        return out


def _time_to_event(start_person, start_day, target_person, target_day, to) -> tuple[np.ndarray, np.ndarray]:
    """For each start: days to the person's first target on or after the start
    and on or before ``to`` (event), else days to ``to`` (censored)."""
    start_person, start_day = _a(start_person), _a(start_day)
    big = 10**7  # day numbers stay below it until the year 27,000
    keys = np.sort(_a(target_person) * big + _a(target_day))
    wanted = start_person * big + start_day
    idx = np.searchsorted(keys, wanted, side="left")
    found = keys[np.minimum(idx, max(keys.size - 1, 0))] if keys.size else np.full(wanted.size, -1)
    hit = (idx < keys.size) & (found // big == start_person) & (found % big <= to)
    durations = np.where(hit, found % big - start_day, to - start_day)
    return durations, hit


def _latest_role_starts(h: History, member, frm, to) -> tuple[np.ndarray, np.ndarray]:
    """Each group member's latest hire or transfer in the period."""
    keep = (h.ev_kind != PROMOTION) & (h.ev_day >= frm) & (h.ev_day <= to)
    keep &= member[h.ev_person] if h.ev_person.size else keep
    person, day = h.ev_person[keep], h.ev_day[keep]
    if person.size == 0:
        return person, day
    order = np.lexsort((-day, person))  # per person, latest first
    person, day = person[order], day[order]
    first = np.ones(person.size, dtype=bool)
    first[1:] = person[1:] != person[:-1]
    return person[first], day[first]


def ramp_time(h: History, member, frm: int, to: int) -> dict:
    """Days from role start (hire/transfer in the period) to the ramp milestone;
    not yet ramped by ``to`` = censored at ``to``. KM median and p75."""
    person, start = _latest_role_starts(h, member, frm, to)
    durations, ramped = _time_to_event(person, start, h.ms_person, h.ms_day, to)
    median, p75 = km_quantiles(durations, ramped)
    return {"n": int(person.size), "median_days": median, "p75_days": p75,
            "ramped": int(ramped.sum()), "censored": int((~ramped).sum()),
            "_durations": durations, "_events": ramped}


def action_completion(h: History, member, frm: int, to: int) -> dict:
    """Three figures over next steps owned by group members (as of ``to``)."""
    own = member[h.st_owner] if h.st_owner.size else np.zeros(0, dtype=bool)
    done = h.st_done_day != NOT_DONE
    done_by_to = done & (h.st_done_day <= to)

    due = own & (h.st_due_day >= frm) & (h.st_due_day <= to)
    on_time = due & done_by_to & (h.st_done_day <= h.st_due_day)

    old_enough = own & (h.st_session_day >= frm) & (h.st_session_day <= to - ON_TIME_WINDOW_DAYS)
    within = old_enough & done_by_to & (h.st_done_day - h.st_session_day <= ON_TIME_WINDOW_DAYS)

    finished = own & done & (h.st_done_day >= frm) & (h.st_done_day <= to)
    days = h.st_done_day[finished] - h.st_created_day[finished]
    return {
        "on_time": {"n": _people(h.st_owner[due]), "steps": int(due.sum()), "done": int(on_time.sum()),
                    "share": _share(int(on_time.sum()), int(due.sum()))},
        "within_14_days": {"n": _people(h.st_owner[old_enough]), "steps": int(old_enough.sum()),
                           "done": int(within.sum()), "share": _share(int(within.sum()), int(old_enough.sum()))},
        "days_to_done": {"n": _people(h.st_owner[finished]), "steps": int(finished.sum()),
                         "median_days": _median(days)},
    }


def _mentee_sessions(h: History, member, frm, to):
    in_period = (h.s_day >= frm) & (h.s_day <= to)
    return in_period & (member[h.s_mentee] if h.s_mentee.size else in_period)


DURATION_BINS = ((0, 14, "under 15"), (15, 19, "15–19"), (20, 24, "20–24"), (25, 30, "25–30"), (31, 10**6, "over 30"))


def micro_outcome(h: History, member, frm: int, to: int, *, min_minutes: int, max_minutes: int) -> dict:
    """Logged sessions of group mentees in the period: share with ≥ 1 next step,
    duration distribution and share within the policy bounds."""
    logged = _mentee_sessions(h, member, frm, to) & (h.s_status == DONE)
    minutes = h.s_minutes[logged]
    total = int(logged.sum())
    with_step = int((h.s_steps[logged] > 0).sum())
    within = int(((minutes >= min_minutes) & (minutes <= max_minutes)).sum())
    return {"n": _people(h.s_mentee[logged]), "sessions": total, "with_next_step": with_step,
            "rate": _share(with_step, total), "within_bounds": within, "within_bounds_share": _share(within, total),
            "durations": [{"label": label, "sessions": int(((minutes >= lo) & (minutes <= hi)).sum())}
                          for lo, hi, label in DURATION_BINS]}


def _active_mentee_weeks(h: History, member, frm, to) -> np.ndarray:
    """Unique (person, Monday) keys of the weeks a group mentee was in an active
    cohort, within the period (vectorised: one row expands to its weeks)."""
    rows = (h.p_role == MENTEE) & (h.p_start <= to) & (h.p_end >= frm)
    rows &= member[h.p_person]
    first = monday(np.maximum(h.p_start[rows], frm))
    last = np.minimum(h.p_end[rows], to)
    counts = (last - first) // 7 + 1
    if counts.size == 0:
        return _a([])
    offsets = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
    weeks = np.repeat(first, counts) + 7 * offsets
    return np.unique(np.repeat(h.p_person[rows], counts) * 10**7 + weeks)


def touch_frequency(h: History, member, frm: int, to: int, *, cap: int) -> dict:
    """Held (not cancelled) sessions per mentee per ISO week over the weeks the
    mentee was in an active program; share of mentee-weeks over the cap."""
    weeks = _active_mentee_weeks(h, member, frm, to)
    held = _mentee_sessions(h, member, frm, to) & (h.s_status != CANCELLED)
    session_keys = h.s_mentee[held] * 10**7 + monday(h.s_day[held])
    counted, counts = np.unique(session_keys, return_counts=True)
    per_week = np.zeros(weeks.size, dtype=np.int64)
    if weeks.size and counted.size:
        pos = np.searchsorted(weeks, counted)
        ok = (pos < weeks.size) & (weeks[np.minimum(pos, weeks.size - 1)] == counted)
        per_week[pos[ok]] = counts[ok]
    over = int((per_week > cap).sum())
    return {"n": _people(weeks // 10**7), "mentee_weeks": int(weeks.size),
            "mean_per_week": float(per_week.mean()) if weeks.size else None,
            "over_cap": over, "over_cap_share": _share(over, int(weeks.size)), "cap": cap,
            "distribution": [{"label": label, "mentee_weeks": int(((per_week >= lo) & (per_week <= hi)).sum())}
                             for lo, hi, label in ((0, 0, "0"), (1, 1, "1"), (2, 2, "2"), (3, 10**6, "3 or more"))]}


def mentor_load(h: History, member, frm: int, to: int) -> dict:
    """Held sessions given by group mentors: per mentor per ISO week of the
    period, and the share given by the top ⌈10%⌉ of mentors by count."""
    held = (h.s_day >= frm) & (h.s_day <= to) & (h.s_status != CANCELLED)
    held &= member[h.s_mentor] if h.s_mentor.size else held
    mentors, counts = np.unique(h.s_mentor[held], return_counts=True)
    weeks = int((monday([to])[0] - monday([frm])[0]) // 7 + 1)
    total = int(counts.sum())
    top = math.ceil(0.1 * mentors.size)
    top_sessions = int(np.sort(counts)[::-1][:top].sum())
    weekly = np.unique(h.s_mentor[held] * 10**7 + monday(h.s_day[held]), return_counts=True)[1]
    return {"n": int(mentors.size), "sessions": total, "weeks": weeks,
            "mean_per_week": total / (mentors.size * weeks) if mentors.size else None,
            "max_in_a_week": int(weekly.max()) if weekly.size else None,
            "top_mentors": top, "top_share": _share(top_sessions, total),
            "distribution": _load_bins(counts, weeks)}


def _load_bins(counts, weeks) -> list[dict]:
    per_week = counts / weeks if weeks else counts
    bins = ((0, 0.5, "under 0.5"), (0.5, 1, "0.5–1"), (1, 2, "1–2"), (2, 4, "2–4"), (4, 10**6, "4 or more"))
    return [{"label": label, "mentors": int(((per_week >= lo) & (per_week < hi)).sum())} for lo, hi, label in bins]


def mobility(h: History, member, frm: int, to: int) -> dict:
    """Promotions and transfers per 100 person-years of exposure in the period;
    KM median months from role start (in the period) to the next promotion."""
    people = np.flatnonzero(member)
    start = np.maximum(np.where(h.hire_day[people] >= 0, h.hire_day[people], frm), frm)
    end = np.minimum(h.end_day[people], to)
    exposure_days = np.clip(end - start + 1, 0, None)
    exposed = int((exposure_days > 0).sum())
    years = float(exposure_days.sum()) / DAYS_PER_YEAR
    in_period = (h.ev_day >= frm) & (h.ev_day <= to)
    in_period &= member[h.ev_person] if h.ev_person.size else in_period
    promotions = int((in_period & (h.ev_kind == PROMOTION)).sum())
    transfers = int((in_period & (h.ev_kind == TRANSFER)).sum())

    person, role_start = _latest_role_starts(h, member, frm, to)
    promoted = h.ev_kind == PROMOTION
    # The next promotion strictly after the role start (a same-day promotion is the role start itself).
    durations, hit = _time_to_event(person, role_start + 1, h.ev_person[promoted], h.ev_day[promoted], to)
    durations = durations + 1
    median_days = km_quantiles(durations, hit, (0.5,))[0]
    return {"n": exposed, "person_years": years, "promotions": promotions, "transfers": transfers,
            "promotions_per_100py": promotions / years * 100 if years else None,
            "transfers_per_100py": transfers / years * 100 if years else None,
            "to_promotion": {"n": int(person.size), "promoted": int(hit.sum()), "censored": int((~hit).sum()),
                             "median_months": None if median_days is None else median_days / DAYS_PER_MONTH},
            "_durations": durations, "_events": hit}


def sentiment(h: History, member, frm: int, to: int, *, k: int, comments: int = 10) -> dict:
    """Usefulness (1–5) from post-session surveys of group members: mean, share
    of 4–5, the trend by ISO week (each week with its own n), and a few comments
    without names — only when the whole figure meets k."""
    rows = (h.sv_day >= frm) & (h.sv_day <= to)
    rows &= member[h.sv_person] if h.sv_person.size else rows
    scores, persons, weeks = h.sv_score[rows], h.sv_person[rows], monday(h.sv_day[rows])
    trend = []
    if weeks.size:
        week_keys, inverse = np.unique(weeks, return_inverse=True)
        answers = np.bincount(inverse)
        totals = np.bincount(inverse, weights=scores)
        pairs = np.unique(inverse * np.int64(h.people + 1) + persons)
        people = np.bincount(pairs // (h.people + 1), minlength=week_keys.size)
        trend = [{"week": int(w), "n": int(p), "answers": int(a), "mean": float(t / a)}
                 for w, p, a, t in zip(week_keys, people, answers, totals)]
    n = _people(persons)
    texts = []
    if n >= k:
        idx = np.flatnonzero(rows & h.sv_has_comment)
        texts = [str(t) for t in h.sv_comment[idx[np.argsort(-h.sv_day[idx], kind="stable")][:comments]]]
    return {"n": n, "answers": int(rows.sum()),
            "mean": float(scores.mean()) if scores.size else None,
            "share_4_5": _share(int((scores >= 4).sum()), int(scores.size)),
            "trend": trend, "comments": texts}
