"""Sessions and what follows them: W weeks of past sessions per pair, a few
upcoming ones, logs with next steps, private notes, surveys and kudos —
planned in memory, then written table by table."""

from __future__ import annotations

import bisect
import itertools
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time as clock, timedelta
from zoneinfo import ZoneInfo

from mentoring.models import WorkItem

from ..models import Kudos, MentoringSession, NextStep, OutcomeType, SessionNote, SurveyResponse, TimeClaim
from .people import NEW_HIRE_DAYS, Person, _at
from .writing import (CLAIM_COLUMNS, KUDOS_COLUMNS, NOTE_COLUMNS, SESSION_COLUMNS, STEP_COLUMNS, SURVEY_COLUMNS,
                      _uuid, _write)

UPCOMING_DAYS = 14
QUARTER = timedelta(minutes=15)
LENGTHS = {15: 3, 20: 2, 25: 2, 30: 5}  # minutes -> weight: most book 30, many 15

# Shares of people (by design, see the package docstring).
UPCOMING_KEPT = 0.35     # planned future sessions already booked at the anchor
COLLEAGUE_KUDOS = 0.015  # kudos outside sessions, per person per week

# Sessions per mentee-week: ramping new hires meet more often.
WEEKLY = {"ramping": ([0, 1, 2], [15, 50, 35]), "established": ([0, 1, 2], [40, 45, 15]),
          "demo": ([1, 2], [75, 25])}
OUTCOMES = {OutcomeType.CODE_REVIEW: 30, OutcomeType.DRAFT_OUTLINE: 18, OutcomeType.DECISION_MADE: 18,
            OutcomeType.INTRODUCTION: 12, OutcomeType.HIRING_DECISION: 7, OutcomeType.OTHER: 15}
USEFULNESS = {5: 45, 4: 35, 3: 13, 2: 5, 1: 2}
CANCEL_REASONS = ["Clash with an incident review", "Mentor out sick", "Mentee on leave", "Moved to next week",
                  "Customer call came up", "Both at the offsite"]
NO_SHOW = "No-show"
STEP_TITLES = {
    OutcomeType.CODE_REVIEW: ["Split the {work} change into smaller pull requests",
                              "Address the review comments on {work}", "Add tests for the {work} edge cases",
                              "Pair on the next {work} review"],
    OutcomeType.DRAFT_OUTLINE: ["Draft the outline of the {work} design doc", "Write a one-page proposal for {work}",
                                "Share the {work} outline for comments"],
    OutcomeType.DECISION_MADE: ["Write the decision record for {work}", "Tell the team what we decided on {work}",
                                "Update the {work} plan with the decision"],
    OutcomeType.INTRODUCTION: ["Book a coffee with the {team} lead", "Send the intro email about {work}",
                               "Ask for a walkthrough of {work}"],
    OutcomeType.HIRING_DECISION: ["Write up the interview feedback", "Prepare the panel questions",
                                  "Calibrate the scorecard with the hiring manager"],
    OutcomeType.OTHER: ["Ask for feedback in the next one-to-one", "Read the chapter on estimation",
                        "Block two focus mornings next week", "Write down three questions for next time"],
}
NOTES = ["Talked through the trade-offs; smaller steps first.", "Good progress since last time.",
         "Stuck on the review loop — agreed to ask for earlier feedback.", "Prepared well; next time bring the draft.",
         "Mostly about prioritising; the list is shorter now.", "Walked through the incident timeline together."]
SURVEY_COMMENTS = ["Exactly what I needed.", "Short and to the point.", "Helped me unblock the review.",
                   "Would have liked more time.", "Good questions.", "Clearer next step than I expected."]
KUDOS_SESSION = ["Thanks for the sharp review!", "That intro was gold, thank you.", "Thanks for making time this week.",
                 "Great questions today.", "You prepared really well — thank you.", "Thanks for unblocking me!"]
KUDOS_COLLEAGUE = ["Thanks for covering the on-call shift.", "Your demo made the release easy to explain.",
                   "Thanks for the quick help with the migration.", "Great write-up of the incident.",
                   "Thank you for onboarding the new joiners so well.", "Thanks for the patient pairing session."]


@dataclass
class HistorySummary:
    slug: str
    skipped: bool = False
    pairs: int = 0
    sessions: int = 0
    logged: int = 0
    cancelled: int = 0
    no_shows: int = 0
    waiting: int = 0
    upcoming: int = 0
    next_steps: int = 0
    surveys: int = 0
    kudos: int = 0
    seconds: float = 0.0
    programs: dict = field(default_factory=dict)  # mentoring/demo_programs.py (issue 3)


class _Weighted:
    """``random.choices`` for one value, with the cumulative weights computed once."""

    def __init__(self, weights: dict):
        self.values = list(weights)
        self.cumulative = list(itertools.accumulate(weights.values()))

    def pick(self, rng):
        return self.values[bisect.bisect(self.cumulative, rng.random() * self.cumulative[-1])]


SESSION_LENGTHS = _Weighted(LENGTHS)
WEEKLY_COUNTS = {kind: _Weighted(dict(zip(*spec))) for kind, spec in WEEKLY.items()}
OUTCOME_TYPES = _Weighted(OUTCOMES)
USEFULNESS_SCORES = _Weighted(USEFULNESS)
STEP_COUNTS = _Weighted({1: 55, 2: 35, 3: 10})
DUE_IN_DAYS = [3, 5, 7, 7, 7, 10, 14]
LOG_DELAYS = [5, 10, 20, 45, 90, 240, 1200]  # minutes after the end: most log right away


class _History:
    def __init__(self, org, rng, anchor: date, weeks: int, people: dict):
        self.org, self.rng, self.anchor, self.people = org, rng, anchor, people
        org_tz = ZoneInfo(org.time_zone)
        self.first = anchor - timedelta(weeks=weeks)
        self.last = anchor + timedelta(days=UPCOMING_DAYS)
        # Past rows end before the anchor day starts in the org's zone; upcoming
        # ones start after it ends: "done" is never in the future, whoever looks.
        self.cutoff = _at(anchor, clock(0), org_tz)
        self.tomorrow = _at(anchor + timedelta(days=1), clock(0), org_tz)
        self.lengths = _Weighted({m: w for m, w in LENGTHS.items()
                                  if org.session_min_minutes <= m <= org.session_max_minutes})
        self.busy: dict = defaultdict(list)          # (person id, local date) -> [(start, end)]
        self.mentor_weeks: dict = defaultdict(int)   # (mentor id, iso year, iso week) -> sessions
        self.work = defaultdict(list)                # person id -> [(work item id, name)]
        for pid, item_id, name in WorkItem.objects.for_org(org).order_by("name", "id").values_list(
                "membership_id", "id", "name"):
            self.work[pid].append((item_id, name))
        self.sessions, self.claims, self.notes, self.steps, self.surveys, self.kudos = [], [], [], [], [], []
        self.counts: dict = defaultdict(int)

    # Placing -------------------------------------------------------------------------------

    def _free(self, day: date, mentee: Person, mentor: Person) -> list[tuple[datetime, datetime]]:
        free = []
        for a_start, a_end in mentee.windows.get(day.weekday(), ()):
            for b_start, b_end in mentor.windows.get(day.weekday(), ()):
                start = max(_at(day, a_start, mentee.tz), _at(day, b_start, mentor.tz))
                end = min(_at(day, a_end, mentee.tz), _at(day, b_end, mentor.tz))
                if end - start >= QUARTER:
                    free.append((start, end))
        return free

    def _taken(self, day: date, *people: Person) -> list[tuple[datetime, datetime]]:
        taken = []
        for person in people:
            taken += self.busy[(person.id, day)]
            taken += [(_at(day, s, person.tz), _at(day, e, person.tz)) for s, e in person.focus.get(day.weekday(), ())]
        return taken

    def _place(self, day: date, mentee: Person, mentor: Person) -> tuple[datetime, datetime] | None:
        """A start on a quarter hour inside both people's windows on their local
        ``day``, clear of focus blocks and of either person's other sessions."""
        rng = self.rng
        free = self._free(day, mentee, mentor)
        if not free:
            return None
        taken = self._taken(day, mentee, mentor)
        length = timedelta(minutes=self.lengths.pick(rng))
        for _ in range(8):
            low, high = free[0] if len(free) == 1 else rng.choice(free)
            steps = (high - low - length) // QUARTER
            if steps < 0:
                continue
            start = low + QUARTER * rng.randint(0, steps)
            end = start + length
            if all(end <= s or start >= e for s, e in taken):
                return start, end
        return None

    def plan(self, pairs: list[tuple[Person, Person]]) -> None:
        rng, anchor, cap = self.rng, self.anchor, self.org.mentee_weekly_cap
        demo = pairs[0] if pairs and pairs[0][0].email == f"mentee@{self.org.slug}.example" else None
        starts = {mentee.id: max(mentee.hired + timedelta(days=3), mentor.hired, self.first)
                  for mentee, mentor in pairs}
        monday = self.first - timedelta(days=self.first.weekday())
        while monday <= self.last:
            week = [monday + timedelta(days=i) for i in range(7)]
            for pair in pairs:
                mentee, mentor = pair
                kind = "demo" if pair is demo else (
                    "ramping" if (monday - mentee.hired).days < NEW_HIRE_DAYS else "established")
                wanted = min(cap, WEEKLY_COUNTS[kind].pick(rng))
                if not wanted:
                    continue
                first = starts[mentee.id]
                days = [d for d in week if first <= d <= self.last and d != anchor
                        and d.weekday() in mentee.windows and d.weekday() in mentor.windows]
                for day in sorted(rng.sample(days, min(wanted, len(days)))):
                    if day > anchor and pair is not demo and rng.random() >= UPCOMING_KEPT:
                        continue
                    self._book(day, mentee, mentor)
            monday += timedelta(days=7)

    def _book(self, day: date, mentee: Person, mentor: Person) -> None:
        week_key = (mentor.id, *day.isocalendar()[:2])
        if self.mentor_weeks[week_key] >= self.org.mentor_weekly_cap:
            return
        placed = self._place(day, mentee, mentor)
        if placed is None:
            return
        start, end = placed
        past = day < self.anchor
        if (past and end > self.cutoff) or (not past and start < self.tomorrow):
            return
        self.mentor_weeks[week_key] += 1
        self.busy[(mentee.id, day)].append(placed)
        self.busy[(mentor.id, day)].append(placed)
        self._session(day, mentee, mentor, start, end, past)

    # Rows (tuples in the *_COLUMNS order) ------------------------------------------------------

    def _session(self, day, mentee: Person, mentor: Person, start: datetime, end: datetime, past: bool) -> None:
        rng, org_id = self.rng, self.org.pk
        session_id = _uuid(rng)
        booked_by = mentee if rng.random() < 0.6 else mentor
        created = max(start - timedelta(days=rng.randint(1, 10), minutes=rng.randrange(0, 480, 5)),
                      _at(max(mentee.hired, mentor.hired), clock(9), mentee.tz))
        created = min(created, start - timedelta(hours=1), self.cutoff)  # booked before the anchor
        status, sequence, updated = MentoringSession.Status.BOOKED, 0, created
        cancelled_at, reason, log = None, "", (None, None, None, "")
        roll = rng.random()
        if not past:
            self.counts["upcoming"] += 1
        elif roll < 0.11:
            status, sequence = MentoringSession.Status.CANCELLED, 1
            if roll < 0.07:
                reason = rng.choice(CANCEL_REASONS)
                cancelled_at = max(created, start - timedelta(hours=rng.randint(1, 48)))
            else:
                self.counts["no_shows"] += 1
                reason = NO_SHOW
                cancelled_at = min(end + timedelta(minutes=rng.randint(10, 240)), self.cutoff)
            updated = cancelled_at
            self.counts["cancelled"] += 1
        elif day >= self.anchor - timedelta(days=7) and roll < 0.3:
            self.counts["waiting"] += 1  # ended, not logged yet
        else:
            status = MentoringSession.Status.DONE
            log = self._log(session_id, day, mentee, mentor, start, end)
            updated = log[0]
        self.sessions.append((session_id, org_id, mentor.id, mentee.id, start, end, status, sequence, booked_by.id,
                              created, updated, cancelled_at, reason, *log))
        active = status != MentoringSession.Status.CANCELLED
        self.claims.append((_uuid(rng), org_id, session_id, mentor.id, start, end, active))
        self.claims.append((_uuid(rng), org_id, session_id, mentee.id, start, end, active))

    def _before_cutoff(self, moment: datetime, floor: datetime) -> datetime:
        return max(floor, min(moment, self.cutoff - timedelta(minutes=1)))

    def _log(self, session_id, day, mentee: Person, mentor: Person, start: datetime, end: datetime) -> tuple:
        """-> (logged_at, logged_by, actual_minutes, outcome_type); next steps,
        notes, surveys and kudos of the session on the side."""
        rng, org, org_id = self.rng, self.org, self.org.pk
        booked = int((end - start).total_seconds() // 60)
        minutes = min(max(booked + rng.choice([-5, 0, 0, 0, 0, 5]), org.session_min_minutes),
                      org.session_max_minutes)
        outcome = OUTCOME_TYPES.pick(rng)
        logger = mentor if rng.random() < 0.75 else mentee
        logged_at = self._before_cutoff(end + timedelta(minutes=rng.choice(LOG_DELAYS)), end)
        self.counts["logged"] += 1
        if rng.random() < 0.4:
            self.notes.append((_uuid(rng), org_id, session_id, rng.choice(NOTES), logged_at))
        for _ in range(STEP_COUNTS.pick(rng)):
            self._step(session_id, outcome, logged_at, day, mentee, mentor)
        for person, share in ((mentee, 0.8), (mentor, 0.45)):
            if rng.random() < share:
                comment = rng.choice(SURVEY_COMMENTS) if rng.random() < 0.25 else ""
                answered = self._before_cutoff(logged_at + timedelta(minutes=rng.randint(1, 600)), logged_at)
                self.surveys.append((_uuid(rng), org_id, session_id, person.id, USEFULNESS_SCORES.pick(rng), comment,
                                     answered))
        for giver, receiver, share in ((mentee, mentor, 0.12), (mentor, mentee, 0.06)):
            if rng.random() < share:
                sent = self._before_cutoff(logged_at + timedelta(minutes=rng.randint(2, 300)), logged_at)
                self.kudos.append((_uuid(rng), org_id, giver.id, receiver.id, session_id, rng.choice(KUDOS_SESSION),
                                   sent))
        return logged_at, logger.id, minutes, outcome

    def _step(self, session_id, outcome, logged_at, day, mentee: Person, mentor: Person) -> None:
        """Most done on time, some late, some open (overdue or not due yet)."""
        rng, anchor = self.rng, self.anchor
        owner = mentee if rng.random() < 0.85 else mentor
        items = self.work.get(mentee.id) or []
        item = rng.choice(items) if items and rng.random() < 0.6 else None
        work = item[1] if item else (items[0][1] if items else "the current project")
        title = rng.choice(STEP_TITLES[outcome]).format(work=work, team=mentee.team or "team")
        due = day + timedelta(days=rng.choice(DUE_IN_DAYS))
        done_on = None
        roll = rng.random()
        if due < anchor:
            if roll < 0.72:
                done_on = day + timedelta(days=rng.randint(0, (due - day).days))
            elif roll < 0.87:
                late = due + timedelta(days=rng.randint(1, 10))
                done_on = late if late < anchor else None
        elif roll < 0.3 and day + timedelta(days=1) < anchor:
            done_on = day + timedelta(days=rng.randint(1, (anchor - day).days - 1))
        done_at = None
        if done_on is not None:
            moment = _at(done_on, clock(rng.randint(9, 17), rng.choice([0, 15, 30, 45])), owner.tz)
            done_at = self._before_cutoff(moment, logged_at + timedelta(minutes=1))
        work_item = item[0] if item and owner is mentee else None
        self.steps.append((_uuid(rng), self.org.pk, session_id, owner.id, title, outcome, due, work_item, logged_at,
                           done_at, 1 if done_at else 0))

    def colleague_kudos(self) -> None:
        """Thank-yous outside sessions, mostly within a team or up the line."""
        rng, org_id = self.rng, self.org.pk
        people = list(self.people.values())
        teams = defaultdict(list)
        for person in people:
            teams[person.team].append(person)
        per_week = len(people) * COLLEAGUE_KUDOS
        monday = self.first - timedelta(days=self.first.weekday())
        while monday < self.anchor:
            for _ in range(int(per_week) + (rng.random() < per_week % 1)):
                giver = rng.choice(people)
                if giver.manager_id in self.people and rng.random() < 0.2:
                    receiver = self.people[giver.manager_id]
                else:
                    receiver = rng.choice(teams[giver.team])
                day = monday + timedelta(days=rng.randint(0, 4))
                moment = _at(day, clock(rng.randint(9, 16), rng.choice([0, 15, 30, 45])), giver.tz)
                if receiver is giver or not (self.first <= day and moment < self.cutoff) \
                        or day < max(giver.hired, receiver.hired):
                    continue
                self.kudos.append((_uuid(rng), org_id, giver.id, receiver.id, None, rng.choice(KUDOS_COLLEAGUE),
                                   moment))
            monday += timedelta(days=7)

    def write(self, summary: HistorySummary) -> None:
        org = self.org
        for model, columns, rows in ((MentoringSession, SESSION_COLUMNS, self.sessions),
                                     (TimeClaim, CLAIM_COLUMNS, self.claims), (SessionNote, NOTE_COLUMNS, self.notes),
                                     (NextStep, STEP_COLUMNS, self.steps), (SurveyResponse, SURVEY_COLUMNS, self.surveys),
                                     (Kudos, KUDOS_COLUMNS, self.kudos)):
            _write(org, model, columns, rows)
        summary.sessions = len(self.sessions)
        summary.next_steps, summary.surveys, summary.kudos = len(self.steps), len(self.surveys), len(self.kudos)
        for name in ("logged", "cancelled", "no_shows", "waiting", "upcoming"):
            setattr(summary, name, self.counts[name])

