"""The stand-alone pairing instance (DESIGN.md §4): validate, score, solve, report.

Two kinds of instance (ids may be strings or integers; they come back as strings):
- explicit: `scores` ({mentee: {mentor: float}}) and optional `forbidden` pairs;
- people attributes (no `scores` key):
    mentee {id, work_items, goals, tz, working_hours: ["HH:MM", "HH:MM"], manager_id,
            opt_outs, recent_mentors}
    mentor {id, capacity, work_items, skills, tz, working_hours, manager_id, load,
            load_cap, opt_outs}
  optional `weights` / `rules` objects override scoring.Weights / scoring.Rules,
  `reference_date` ("YYYY-MM-DD") is the day working hours are read on, and
  `forbidden` adds pairs to exclude.
A mentor without `capacity` gets DEFAULT_CAPACITY. Unknown keys are ignored.

Output: {"pairs": [{"mentee", "mentor", "score"(, "reasons")}], "unmatched": [ids],
"why": {id: text}, "objective", "seconds"}; `why` explains each unmatched mentee.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from datetime import date

import numpy as np

from mentoring.pairing import scoring, solver

DEFAULT_CAPACITY = 6  # cohort default ratio 1 mentor : 6 mentees


class InstanceError(ValueError):
    """The instance is not valid; the message says where and why."""


@dataclasses.dataclass
class Prepared:
    """A validated instance as a score matrix (rows: sorted mentee ids, columns: sorted mentor ids)."""

    mentee_ids: list[str]
    mentor_ids: list[str]
    capacity: np.ndarray
    matrix: np.ndarray  # NaN where a pair is not allowed
    excluded: Callable[[int], dict[str, int]]  # mentee row -> {rule text: mentors it excludes}
    explain: Callable[[int, int], list[str]] | None  # reasons of a pair, people instances only


def run(instance) -> dict:
    """Pair the mentees of a parsed JSON instance; raises InstanceError when invalid."""
    started = time.perf_counter()
    prepared = prepare(instance)
    chosen = solver.assign(prepared.matrix, prepared.capacity)
    result = solver.result_from(prepared.mentee_ids, prepared.mentor_ids, prepared.matrix, chosen, started)
    pairs = [{"mentee": p.mentee, "mentor": p.mentor, "score": p.score} for p in result.pairs]
    if prepared.explain:
        for pair, (i, j) in zip(pairs, chosen):
            pair["reasons"] = prepared.explain(i, j)
    row = {e: i for i, e in enumerate(prepared.mentee_ids)}
    return {
        "pairs": pairs,
        "unmatched": result.unmatched,
        "why": {e: _why(row[e], prepared) for e in result.unmatched},
        "objective": result.objective,
        "seconds": time.perf_counter() - started,
    }


def prepare(instance) -> Prepared:
    """Validate an instance and compute its score matrix; raises InstanceError."""
    if not isinstance(instance, dict):
        raise InstanceError("the instance must be a JSON object with 'mentors' and 'mentees'")
    mentees = _people(instance, "mentees")
    mentors = _people(instance, "mentors")
    mentee_ids, mentor_ids = sorted(mentees), sorted(mentors)
    capacity = np.array([_capacity(mentors[m], m) for m in mentor_ids], dtype=np.int64)
    forbidden = _pairs(instance.get("forbidden", []), mentees, mentors)

    if "scores" in instance:
        # A person can sit on both lists (mentor here, mentee there) but never pairs with
        # themselves (scoring has this rule for people instances).
        forbidden += [(p, p) for p in mentee_ids if p in mentors]
        if not isinstance(instance["scores"], dict):
            raise InstanceError("scores: expected an object of mentee id -> {mentor id: score}")
        try:
            matrix = solver.score_matrix(mentee_ids, mentor_ids, instance["scores"], forbidden)
        except ValueError as exc:
            raise InstanceError(str(exc)) from None
        scores = instance["scores"]

        def excluded(i: int) -> dict[str, int]:
            scored = set(scores.get(mentee_ids[i], ()))
            ruled_out = {t for e, t in forbidden if e == mentee_ids[i]} & scored
            return {"without a score": len(mentor_ids) - len(scored), "forbidden": len(ruled_out)}

        return Prepared(mentee_ids, mentor_ids, capacity, matrix, excluded, None)

    weights = _config(scoring.Weights, instance.get("weights", {}), "weights")
    rules = _config(scoring.Rules, instance.get("rules", {}), "rules")
    day = _date(instance.get("reference_date"))
    people_e = [_mentee(mentees[e], e, day) for e in mentee_ids]
    people_m = [_mentor(mentors[m], m, day) for m in mentor_ids]
    scored = scoring.score_pairs(people_e, people_m, weights, rules, day, forbidden)

    def explain(i: int, j: int) -> list[str]:
        return scoring.explain(people_e[i], people_m[j], scored, i, j, weights, rules)

    def excluded(i: int) -> dict[str, int]:
        return {rule: int(mask[i].sum()) for rule, mask in scored.excluded.items()}

    return Prepared(mentee_ids, mentor_ids, capacity, scored.matrix, excluded, explain)


def _why(i: int, prepared: Prepared) -> str:
    total = len(prepared.mentor_ids)
    allowed = int((~np.isnan(prepared.matrix[i])).sum())
    if total == 0:
        return "no mentors in the instance"
    if allowed:
        # At an optimum an unmatched mentee has no allowed mentor with a free slot,
        # else adding that pair would match one more mentee.
        return f"all {allowed} allowed mentor(s) are full"
    counts = [f"{count} {rule}" for rule, count in prepared.excluded(i).items() if count]
    return f"no allowed mentor among {total}: " + ", ".join(counts)


def _people(instance: dict, key: str) -> dict[str, dict]:
    """{id: attributes}, ids as strings, in input order; refuses duplicates."""
    items = instance.get(key)
    if not isinstance(items, list):
        raise InstanceError(f"{key}: expected a list of objects with an 'id'")
    people: dict[str, dict] = {}
    for k, item in enumerate(items):
        if not isinstance(item, dict) or "id" not in item:
            raise InstanceError(f"{key}[{k}]: expected an object with an 'id'")
        pid = _id(item["id"], f"{key}[{k}].id")
        if pid in people:
            raise InstanceError(f"{key}[{k}]: duplicate id {pid!r}")
        people[pid] = item
    return people


def _id(value, where: str) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int)) or value == "":
        raise InstanceError(f"{where}: an id must be a non-empty string or an integer, got {value!r}")
    return str(value)


def _capacity(mentor: dict, mid: str) -> int:
    value = mentor.get("capacity", DEFAULT_CAPACITY)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InstanceError(f"mentor {mid!r}: capacity must be a non-negative integer, got {value!r}")
    return value


def _pairs(items, mentees: dict, mentors: dict) -> list[tuple[str, str]]:
    if not isinstance(items, list):
        raise InstanceError("forbidden: expected a list of [mentee id, mentor id] pairs")
    pairs = []
    for k, item in enumerate(items):
        if not isinstance(item, list) or len(item) != 2:
            raise InstanceError(f"forbidden[{k}]: expected [mentee id, mentor id], got {item!r}")
        mentee, mentor = _id(item[0], f"forbidden[{k}][0]"), _id(item[1], f"forbidden[{k}][1]")
        if mentee not in mentees:
            raise InstanceError(f"forbidden[{k}]: unknown mentee {mentee!r}")
        if mentor not in mentors:
            raise InstanceError(f"forbidden[{k}]: unknown mentor {mentor!r}")
        pairs.append((mentee, mentor))
    return pairs


def _config(cls, values, key: str):
    if not isinstance(values, dict):
        raise InstanceError(f"{key}: expected an object")
    fields = {f.name: f for f in dataclasses.fields(cls)}
    for name, value in values.items():
        if name not in fields:
            raise InstanceError(f"{key}.{name}: unknown setting (known: {', '.join(fields)})")
        expected = type(getattr(cls(), name))
        if expected is bool and not isinstance(value, bool) or (
            expected is not bool and (isinstance(value, bool) or not isinstance(value, (int, float)))
        ):
            raise InstanceError(f"{key}.{name}: expected a {expected.__name__}, got {value!r}")
    try:
        return cls(**values)
    except ValueError as exc:
        raise InstanceError(f"{key}: {exc}") from None


def _date(value) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        raise InstanceError(f"reference_date: expected YYYY-MM-DD, got {value!r}") from None


def _labels(person: dict, key: str, pid: str) -> tuple[str, ...]:
    value = person.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, (str, int)) and not isinstance(v, bool) for v in value):
        raise InstanceError(f"{pid!r}.{key}: expected a list of strings")
    return tuple(str(v) for v in value)


def _time(person: dict, pid: str, day: date | None) -> dict:
    tz, hours = person.get("tz", "UTC"), person.get("working_hours")
    if hours is not None:
        try:
            scoring.utc_window(tz, hours, day or scoring.DEFAULT_REFERENCE_DATE)
        except ValueError as exc:
            raise InstanceError(f"{pid!r}: {exc}") from None
        hours = tuple(hours)
    return {"tz": tz, "working_hours": hours}


def _optional_id(person: dict, key: str, pid: str) -> str | None:
    value = person.get(key)
    return None if value is None else _id(value, f"{pid!r}.{key}")


def _count(person: dict, key: str, pid: str, default):
    value = person.get(key, default)
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
        raise InstanceError(f"{pid!r}.{key}: expected a non-negative integer, got {value!r}")
    return value


def _mentee(person: dict, pid: str, day: date | None) -> scoring.Mentee:
    return scoring.Mentee(
        id=pid,
        work_items=_labels(person, "work_items", pid),
        goals=_labels(person, "goals", pid),
        manager_id=_optional_id(person, "manager_id", pid),
        opt_outs=frozenset(_labels(person, "opt_outs", pid)),
        recent_mentors=frozenset(_labels(person, "recent_mentors", pid)),
        **_time(person, pid, day),
    )


def _mentor(person: dict, pid: str, day: date | None) -> scoring.Mentor:
    return scoring.Mentor(
        id=pid,
        capacity=_capacity(person, pid),
        work_items=_labels(person, "work_items", pid),
        skills=_labels(person, "skills", pid),
        manager_id=_optional_id(person, "manager_id", pid),
        load=_count(person, "load", pid, 0),
        load_cap=_count(person, "load_cap", pid, None),
        opt_outs=frozenset(_labels(person, "opt_outs", pid)),
        **_time(person, pid, day),
    )
