"""Pairs: mentees in a program, each with one mentor."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from .people import NEW_HIRE_DAYS, Person, _at

# Shares of people (by design, see the package docstring).
IN_PROGRAM = 0.3         # of established mentees; new hires (ramping) join far more often
NEW_HIRE_IN_PROGRAM = 0.8
EXTERNAL_FIRST = 0.08    # mentees who are paired with an external mentor if one fits


def _overlap_minutes(a: Person, b: Person, day: date) -> float:
    start = max(_at(day, a.start, a.tz), _at(day, b.start, b.tz))
    end = min(_at(day, a.end, a.tz), _at(day, b.end, b.tz))
    return (end - start).total_seconds() / 60


def _pair(org, rng, people: dict, anchor: date) -> list[tuple[Person, Person]]:
    """Mentees in a program, each with one mentor: same team first, filling a
    mentor up to the cohort ratio before taking the next, so about one mentor
    per ``cohort_ratio`` mentees; working hours must overlap by an hour."""
    by_email = {p.email: p for p in people.values()}
    demo_mentor = by_email.get(f"mentor@{org.slug}.example")
    demo_mentee = by_email.get(f"mentee@{org.slug}.example")
    ratio = org.cohort_ratio
    load: dict = defaultdict(int)
    open_mentors: dict[str, list[Person]] = defaultdict(list)  # team -> mentors with room, already mentoring
    spare: dict[str, list[Person]] = defaultdict(list)          # team -> mentors not mentoring yet
    for person in people.values():
        if person.is_mentor:
            spare["" if person.is_external else person.team].append(person)
    for pool in spare.values():
        rng.shuffle(pool)

    def take(mentor, mentee):
        load[mentor.id] += 1
        team = "" if mentor.is_external else mentor.team
        if mentor in spare[team]:
            spare[team].remove(mentor)
            open_mentors[team].append(mentor)
        if load[mentor.id] >= ratio:
            open_mentors[team].remove(mentor)
        pairs.append((mentee, mentor))

    def fits(mentor, mentee):
        return mentor.id != mentee.id and _overlap_minutes(mentor, mentee, anchor) >= 60

    pairs: list[tuple[Person, Person]] = []
    if demo_mentor and demo_mentee and demo_mentor.is_mentor and demo_mentee.is_mentee:
        take(demo_mentor, demo_mentee)
    for mentee in people.values():
        if not mentee.is_mentee or mentee is demo_mentee:
            continue
        new_hire = (anchor - mentee.hired).days < NEW_HIRE_DAYS
        if rng.random() >= (NEW_HIRE_IN_PROGRAM if new_hire else IN_PROGRAM):
            continue
        teams = [mentee.team, ""] if rng.random() >= EXTERNAL_FIRST else ["", mentee.team]
        mentor = None
        for pool in ([open_mentors[t] for t in teams] + [spare[t] for t in teams]):
            # A few tries, not a scan: pools of a 10,000-person org are long.
            for candidate in rng.sample(pool, min(len(pool), 8)):
                if fits(candidate, mentee):
                    mentor = candidate
                    break
            if mentor:
                break
        if mentor:
            take(mentor, mentee)
    return pairs
