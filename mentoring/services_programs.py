"""Programs and cohorts: every write with rules, one function per use case.

The manager's loop: program_create → cohort_create → participants_add →
pairing_run (the engine proposes pairs around the locked ones) → pair_lock /
pair_swap / pair_unpair / pair_assign → cohort_publish → cohort_end. Each change
of a cohort's pairs leaves a PairChange row (who, when, before/after).
"""

from __future__ import annotations

import csv
import io
import logging
import time
from datetime import date, timedelta

import numpy as np
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from . import selectors_programs as sel
from .errors import Conflict, DomainError
from .models import Membership
from .outbox import enqueue_on_commit
from .models_programs import (COHORT_MAX_LENGTH, COHORT_MIN_LENGTH, Cohort, Pair, PairChange, PairingRun,
                              Participant, Program)
from .pairing import solver
from .pairing.instance import InstanceError, prepare
from .services import _full_clean, _skills_for, require_role

logger = logging.getLogger(__name__)
BACKGROUND_FROM_MENTEES = 200  # smaller cohorts pair within the request
MAX_CSV_ROWS = 5000


# --- History ---------------------------------------------------------------------------

def _pair_view(pair: Pair) -> dict:
    return {"pair": str(pair.pk), "mentee": pair.mentee.membership.display_name,
            "mentor": pair.mentor.membership.display_name, "score": pair.score, "locked": pair.locked}


def _record(cohort: Cohort, actor: Membership | None, action: str, summary: str, before=None, after=None):
    PairChange.objects.for_org(cohort.organization).create(
        organization=cohort.organization, cohort=cohort, actor=actor, action=action, summary=summary[:300],
        before=before or {}, after=after or {})


# --- Programs and cohorts ----------------------------------------------------------------

@transaction.atomic
def program_create(*, actor: Membership, name: str, kind: str = Program.Kind.COHORT, description: str = "",
                   recent_cohorts: int = 2, min_shared_hours: float = 1.0, first_cohort: dict | None = None) -> Program:
    """A program; a cohort program may start with its first cohort
    (``first_cohort``: the keyword arguments of cohort_create)."""
    require_role(actor, "manager")
    org = actor.organization
    program = Program(organization=org, name=(name or "").strip(), kind=kind, description=description or "",
                      recent_cohorts=recent_cohorts, min_shared_hours=min_shared_hours, created_by=actor)
    _full_clean(program, exclude=["organization", "created_by"])
    if Program.objects.for_org(org).filter(name__iexact=program.name).exists():
        raise Conflict(f"A program called “{program.name}” exists already.", field="name")
    program.save()
    if first_cohort and program.kind == Program.Kind.COHORT:
        try:
            cohort_create(actor=actor, program=program, **first_cohort)
        except DomainError as exc:  # name the cohort's fields apart from the program's
            raise type(exc)({key if key == "non_field_errors" else f"cohort_{key}": messages
                             for key, messages in exc.errors.items()}) from None
    return program


@transaction.atomic
def cohort_create(*, actor: Membership, program: Program, name: str, starts_on: date, ends_on: date,
                  ratio: int | None = None) -> Cohort:
    require_role(actor, "manager")
    org = actor.organization
    if program.organization_id != org.id:
        raise DomainError("No such program.", field="program")
    if program.kind != Program.Kind.COHORT:
        raise DomainError("A network program runs without cohorts.", field="program")
    if not starts_on or not ends_on:
        raise DomainError({key: "Pick a date." for key, value in (("starts_on", starts_on), ("ends_on", ends_on))
                           if not value})
    length = ends_on - starts_on
    if not COHORT_MIN_LENGTH <= length <= COHORT_MAX_LENGTH:
        raise DomainError(f"A cohort runs 4 to 8 weeks; these dates make {length.days} days.", field="ends_on")
    cohort = Cohort(organization=org, program=program, name=(name or "").strip(), starts_on=starts_on,
                    ends_on=ends_on, ratio=ratio or org.cohort_ratio)
    _full_clean(cohort, exclude=["organization", "program"])
    if Cohort.objects.for_org(org).filter(program=program, name__iexact=cohort.name).exists():
        raise Conflict(f"{program.name} has a cohort called “{cohort.name}” already.", field="name")
    cohort.save()
    return cohort


def _editable(cohort: Cohort) -> Cohort:
    """Lock the cohort row (serialises every change of its pairs) and check it is a draft."""
    cohort = Cohort.objects.for_org(cohort.organization).select_for_update().select_related(
        "organization", "program").get(pk=cohort.pk)
    if not cohort.is_draft:
        raise Conflict(f"This cohort is {cohort.get_status_display().lower()}; its pairs can no longer change.")
    return cohort


# --- Participants ----------------------------------------------------------------------------

def _add(actor: Membership, cohort: Cohort, role: str, people, how: str) -> dict:
    if role not in Participant.Role.values:
        raise DomainError("Pick mentor or mentee.", field="role")
    cohort = _editable(cohort)
    org = cohort.organization
    people = [p for p in people if p.is_active]
    already = set(Participant.objects.for_org(org).filter(
        cohort=cohort, membership__in=[p.pk for p in people]).values_list("membership_id", flat=True))
    new = [Participant(organization=org, cohort=cohort, membership=p, role=role) for p in people
           if p.pk not in already]
    Participant.objects.for_org(org).bulk_create(new)
    if new:
        _record(cohort, actor, PairChange.Action.PARTICIPANTS, f"Added {len(new)} {role}(s) {how}",
                after={"added": [{"person": p.membership.display_name, "role": role} for p in new[:200]]})
    return {"added": len(new), "skipped": len(people) - len(new), "participants": new}


def participants_add(*, actor: Membership, cohort: Cohort, role: str, membership_ids) -> dict:
    """Add people picked from the people list. Ids are looked up inside the org;
    people already in the cohort are skipped (counted), inactive ones ignored."""
    require_role(actor, "manager")
    ids = list(dict.fromkeys(membership_ids or []))
    if not ids:
        raise DomainError("Pick at least one person.", field="membership_ids")
    with transaction.atomic():
        try:
            people = list(Membership.objects.for_org(actor.organization).filter(pk__in=ids))
        except (ValueError, ValidationError):  # a malformed id
            raise DomainError("Pick people from this organisation.", field="membership_ids") from None
        if len(people) != len(ids):
            raise DomainError("Pick people from this organisation.", field="membership_ids")
        return _add(actor, cohort, role, people, "from the people list")


def participants_add_by_filter(*, actor: Membership, cohort: Cohort, role: str, team: str = "", title: str = "",
                               hired_from: date | None = None, hired_to: date | None = None,
                               hired_within_days: int | None = None, today: date | None = None) -> dict:
    """Add everyone matching a filter, e.g. ``hired_within_days=90`` (“hired in the last 90 days”)."""
    require_role(actor, "manager")
    if hired_within_days is not None:
        if hired_within_days < 1:
            raise DomainError("Enter a number of days of at least 1.", field="hired_within_days")
        hired_from = (today or timezone.localdate()) - timedelta(days=hired_within_days)
    if not (team or title or hired_from or hired_to):
        raise DomainError("Give at least one filter (team, title or hire dates).")
    if hired_from and hired_to and hired_from > hired_to:
        raise DomainError("The range ends before it starts.", field="hired_to")
    with transaction.atomic():
        people = list(sel.people_matching(org=actor.organization, team=team, title=title,
                                          hired_from=hired_from, hired_to=hired_to))
        return _add(actor, cohort, role, people, "by filter")


def participants_add_csv(*, actor: Membership, cohort: Cohort, content: str | bytes) -> dict:
    """CSV with columns ``email,role`` (role: mentor or mentee). All rows or none."""
    require_role(actor, "manager")
    if isinstance(content, bytes):
        try:
            content = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise DomainError("The file is not UTF-8 text.", field="file") from None
    reader = csv.DictReader(io.StringIO(content))
    fields = {(f or "").strip().lower() for f in reader.fieldnames or []}
    if not {"email", "role"} <= fields:
        raise DomainError("The CSV needs the columns email and role.", field="file")
    wanted, errors = {}, []
    for number, row in enumerate(reader, start=2):
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in row.items()}
        email, role = row.get("email", "").lower(), row.get("role", "").lower()
        if number > MAX_CSV_ROWS + 1:
            errors.append(f"More than {MAX_CSV_ROWS} rows.")
            break
        if role not in Participant.Role.values:
            errors.append(f"Line {number}: role must be mentor or mentee, not “{role}”.")
        wanted[email] = role
    known = {m.email: m for m in Membership.objects.for_org(actor.organization).filter(email__in=wanted)}
    errors += [f"{email or '(empty)'} is not a person of this organisation." for email in wanted if email not in known]
    if errors:
        raise DomainError({"file": errors[:50]})
    if not wanted:
        raise DomainError("The CSV has no rows.", field="file")
    result = {"added": 0, "skipped": 0, "participants": []}
    with transaction.atomic():
        for role in Participant.Role.values:
            people = [known[e] for e, r in wanted.items() if r == role]
            if people:
                part = _add(actor, cohort, role, people, "from a CSV")
                for key in result:
                    result[key] += part[key]
    return result


@transaction.atomic
def participant_update(*, actor: Membership, participant: Participant, goals: str | None = None,
                       goal_skills=None, capacity: int | None | str = "unchanged", opt_outs=None) -> Participant:
    """Goals and goal skill tags, mentor capacity (None = the cohort's ratio),
    opt-outs (membership ids: never pair with them). A participant edits their
    own goals and opt-outs; a manager edits everything."""
    org = actor.organization
    if participant.membership_id != actor.pk or capacity != "unchanged":
        require_role(actor, "manager")
    participant = Participant.objects.for_org(org).select_for_update().select_related("cohort", "membership") \
        .get(pk=participant.pk)
    if goals is not None:
        participant.goals = goals.strip()
    if capacity != "unchanged":
        if participant.role != Participant.Role.MENTOR and capacity is not None:
            raise DomainError("Only a mentor has a capacity.", field="capacity")
        participant.capacity = capacity
    _full_clean(participant, exclude=["organization", "cohort", "membership", "goal_skills", "opt_outs"])
    participant.save()
    if goal_skills is not None:
        participant.goal_skills.set(_skills_for(org, goal_skills))
    if opt_outs is not None:
        ids = list(dict.fromkeys(opt_outs))
        try:
            people = list(Membership.objects.for_org(org).filter(pk__in=ids))
        except (ValueError, ValidationError):  # a malformed id
            people = []
        if len(people) != len(ids) or participant.membership_id in {p.pk for p in people}:
            raise DomainError("Opt out of other people of this organisation.", field="opt_outs")
        participant.opt_outs.set(people)
    return participant


@transaction.atomic
def participant_remove(*, actor: Membership, participant: Participant) -> None:
    require_role(actor, "manager")
    cohort = _editable(participant.cohort)
    participant = Participant.objects.for_org(cohort.organization).select_related("membership").get(pk=participant.pk)
    pairs = [_pair_view(p) for p in sel.pairs_of(cohort).filter(Q(mentee=participant) | Q(mentor=participant))]
    participant.delete()
    _record(cohort, actor, PairChange.Action.PARTICIPANTS,
            f"Removed {participant.membership.display_name} ({participant.role})", before={"pairs": pairs})


# --- Pairing -----------------------------------------------------------------------------------------

@transaction.atomic
def pairing_run(*, actor: Membership, cohort: Cohort) -> PairingRun:
    """Start a run; small cohorts are paired before this returns, large ones by
    ``pairing_run_task`` after commit (the page polls the run's progress)."""
    require_role(actor, "manager")
    cohort = _editable(cohort)
    org = cohort.organization
    if PairingRun.objects.for_org(org).filter(cohort=cohort, status__in=["queued", "running"]).exists():
        raise Conflict("Pairing is already running for this cohort.")
    mentees = Participant.objects.for_org(org).filter(cohort=cohort, role="mentee").count()
    if not mentees or not Participant.objects.for_org(org).filter(cohort=cohort, role="mentor").exists():
        raise DomainError("Add at least one mentor and one mentee first.")
    try:
        with transaction.atomic():
            run = PairingRun.objects.for_org(org).create(
                organization=org, cohort=cohort, requested_by=actor, mentee_count=mentees,
                in_background=mentees >= BACKGROUND_FROM_MENTEES, stage="Queued")
            if run.in_background:
                from .tasks_programs import pairing_run_task

                enqueue_on_commit(pairing_run_task, str(run.pk))  # kept in the outbox if Redis is down
    except IntegrityError:
        raise Conflict("Pairing is already running for this cohort.") from None
    if not run.in_background:
        pairing_run_execute(run=run)
        run.refresh_from_db()
    return run


def _progress(run: PairingRun, progress: int, stage: str, **extra) -> None:
    # Plain UPDATEs outside the final transaction, so a polling page sees each stage.
    PairingRun.objects.for_org(run.organization).filter(pk=run.pk).update(progress=progress, stage=stage, **extra)


def pairing_run_execute(*, run: PairingRun) -> PairingRun:
    """Do one run: build the engine instance from the database, solve, store.
    Idempotent: a run that is no longer queued is left alone (task redelivery)."""
    org = run.organization
    claimed = PairingRun.objects.for_org(org).filter(pk=run.pk, status=PairingRun.Status.QUEUED) \
        .update(status=PairingRun.Status.RUNNING, progress=5, stage="Reading participants")
    if not claimed:
        return run
    started = time.perf_counter()
    try:
        cohort = Cohort.objects.for_org(org).select_related("organization", "program").get(pk=run.cohort_id)
        built = sel.pairing_instance(cohort)
        sizes = len(built.instance["mentees"]), len(built.instance["mentors"])
        _progress(run, 25, "Scoring {} mentees × {} mentors".format(*sizes))
        prepared = prepare(built.instance)
        _progress(run, 60, "Finding the best pairs")
        chosen = solver.assign(prepared.matrix, prepared.capacity)
        _progress(run, 85, "Saving the proposed pairs")
        with transaction.atomic():
            result = _store_run(run, cohort, built, prepared, chosen, time.perf_counter() - started)
    except (Conflict, DomainError, InstanceError) as exc:
        message = exc.first_message if isinstance(exc, DomainError) else str(exc)
        _progress(run, 100, "Failed", status=PairingRun.Status.FAILED, error=message, finished_at=timezone.now())
        run.refresh_from_db()
        return run
    except Exception as exc:
        logger.exception("Pairing run %s failed", run.pk)
        _progress(run, 100, "Failed", status=PairingRun.Status.FAILED, error=f"Unexpected error: {exc}"[:500],
                  finished_at=timezone.now())
        raise
    return result


def _store_run(run, cohort, built, prepared, chosen, seconds) -> PairingRun:
    org = cohort.organization
    cohort = _editable(cohort)
    locked_now = set(Pair.objects.for_org(org).filter(cohort=cohort, locked=True).values_list("pk", flat=True))
    if locked_now != built.locked_pair_ids:
        raise Conflict("Locked pairs changed while pairing ran; run it again.")
    old = Pair.objects.for_org(org).filter(cohort=cohort, locked=False)
    before = {"unlocked_pairs": old.count(), "locked_pairs": len(locked_now)}
    old.delete()
    participant_of = built.participant_of  # membership id (engine id) -> participant id, per role
    pairs = []
    for i, j in chosen:
        mentee_id, mentor_id = prepared.mentee_ids[i], prepared.mentor_ids[j]
        pairs.append(Pair(organization=org, cohort=cohort, mentee_id=participant_of["mentee"][mentee_id],
                          mentor_id=participant_of["mentor"][mentor_id], score=round(float(prepared.matrix[i, j]), 4),
                          reasons=prepared.explain(i, j) if prepared.explain else []))
    Pair.objects.for_org(org).bulk_create(pairs, batch_size=1000)
    matched = {i for i, _ in chosen}
    why = {participant_of["mentee"][e]: _why(i, prepared) for i, e in enumerate(prepared.mentee_ids)
           if i not in matched}
    mentees = Participant.objects.for_org(org).filter(cohort=cohort, role="mentee")
    mentees.exclude(pk__in=list(why)).exclude(unmatched_why="").update(unmatched_why="")
    for participant_id, text in why.items():  # usually few
        mentees.filter(pk=participant_id).update(unmatched_why=text[:300])
    objective = float(sum(p.score for p in pairs))
    PairingRun.objects.for_org(org).filter(pk=run.pk).update(
        status=PairingRun.Status.DONE, progress=100, stage="Done", pair_count=len(pairs),
        unmatched_count=len(why), objective=objective, seconds=seconds, finished_at=timezone.now(),
        mentee_count=len(prepared.mentee_ids) + len(built.locked_pair_ids))
    _record(cohort, run.requested_by, PairChange.Action.RUN,
            f"Proposed {len(pairs)} pair(s) around {len(locked_now)} locked; {len(why)} mentee(s) unmatched",
            before=before, after={"pairs": len(pairs), "unmatched": len(why), "objective": round(objective, 4)})
    run.refresh_from_db()
    return run


def _why(i: int, prepared) -> str:
    total = len(prepared.mentor_ids)
    allowed = int((~np.isnan(prepared.matrix[i])).sum())
    if total == 0:
        return "no mentor has room left"
    if allowed:
        return f"all {allowed} mentor(s) this mentee may be paired with are full"
    rules = [f"{count} {rule}" for rule, count in prepared.excluded(i).items() if count]
    return f"no mentor allowed among {total}: " + ", ".join(rules)


# --- Adjusting pairs -------------------------------------------------------------------------------------

def _pair_in(cohort: Cohort, pair: Pair) -> Pair:
    try:
        return sel.pairs_of(cohort).get(pk=pair.pk)
    except Pair.DoesNotExist:
        raise DomainError("That pair is not in this cohort.", field="pair") from None


def _pair_action(actor, pair, locked: bool) -> Pair:
    require_role(actor, "manager")
    cohort = _editable(pair.cohort)
    pair = _pair_in(cohort, pair)
    before = _pair_view(pair)
    pair.locked = locked
    pair.save(update_fields=["locked"])
    verb = "Locked" if locked else "Unlocked"
    _record(cohort, actor, PairChange.Action.LOCK if locked else PairChange.Action.UNLOCK,
            f"{verb} {pair.mentee.membership.display_name} ← {pair.mentor.membership.display_name}",
            before=before, after=_pair_view(pair))
    return pair


@transaction.atomic
def pair_lock(*, actor: Membership, pair: Pair) -> Pair:
    return _pair_action(actor, pair, True)


@transaction.atomic
def pair_unlock(*, actor: Membership, pair: Pair) -> Pair:
    return _pair_action(actor, pair, False)


@transaction.atomic
def pair_unpair(*, actor: Membership, pair: Pair) -> Participant:
    require_role(actor, "manager")
    cohort = _editable(pair.cohort)
    pair = _pair_in(cohort, pair)
    if pair.locked:
        raise Conflict("This pair is locked; unlock it first.")
    before, mentee = _pair_view(pair), pair.mentee
    pair.delete()
    mentee.unmatched_why = f"unpaired by {actor.display_name}"
    mentee.save(update_fields=["unmatched_why"])
    _record(cohort, actor, PairChange.Action.UNPAIR,
            f"Unpaired {before['mentee']} from {before['mentor']}", before=before)
    return mentee


def _checked(cohort: Cohort, pairs: list[tuple[Participant, Participant]]) -> list[tuple[float, list[str]]]:
    """Score and reasons of each (mentee, mentor) pair under the cohort's hard
    rules, one 1×1 instance per pair so that the rules it breaks can be named."""
    out = []
    for mentee, mentor in pairs:
        prepared = prepare(sel.pairing_instance(cohort, only=(mentee, mentor)).instance)
        if np.isnan(prepared.matrix[0, 0]):
            broken = [rule for rule, count in prepared.excluded(0).items() if count]
            raise DomainError(f"{mentee.membership.display_name} and {mentor.membership.display_name} "
                              f"cannot be paired: {', '.join(broken) or 'a pairing rule'}.")
        out.append((round(float(prepared.matrix[0, 0]), 4), prepared.explain(0, 0)))
    return out


@transaction.atomic
def pair_swap(*, actor: Membership, pair: Pair, other: Pair) -> tuple[Pair, Pair]:
    """Swap the mentors of two mentees; both new pairs must pass the hard rules."""
    require_role(actor, "manager")
    cohort = _editable(pair.cohort)
    pair, other = _pair_in(cohort, pair), _pair_in(cohort, other)
    if pair.pk == other.pk or pair.mentor_id == other.mentor_id:
        raise DomainError("Pick two pairs with different mentors.", field="other")
    if pair.locked or other.locked:
        raise Conflict("A locked pair cannot be swapped; unlock it first.")
    before = {"pairs": [_pair_view(pair), _pair_view(other)]}
    (score_a, reasons_a), (score_b, reasons_b) = _checked(cohort, [(pair.mentee, other.mentor),
                                                                     (other.mentee, pair.mentor)])
    pair.mentor, other.mentor = other.mentor, pair.mentor
    pair.score, pair.reasons, other.score, other.reasons = score_a, reasons_a, score_b, reasons_b
    pair.origin = other.origin = Pair.Origin.MANUAL
    for p in (pair, other):
        p.save(update_fields=["mentor", "score", "reasons", "origin"])
    _record(cohort, actor, PairChange.Action.SWAP,
            f"Swapped mentors of {pair.mentee.membership.display_name} and {other.mentee.membership.display_name}",
            before=before, after={"pairs": [_pair_view(pair), _pair_view(other)]})
    return pair, other


@transaction.atomic
def pair_assign(*, actor: Membership, mentee: Participant, mentor: Participant, lock: bool = True) -> Pair:
    """Pair an unpaired mentee by hand (locked by default, so a re-run keeps it)."""
    require_role(actor, "manager")
    cohort = _editable(mentee.cohort)
    org = cohort.organization
    if mentee.cohort_id != cohort.pk or mentor.cohort_id != cohort.pk or mentee.organization_id != org.id:
        raise DomainError("Pick a mentee and a mentor of this cohort.")
    if mentee.role != Participant.Role.MENTEE or mentor.role != Participant.Role.MENTOR:
        raise DomainError("Pick a mentee and a mentor of this cohort.")
    mentee = Participant.objects.for_org(org).select_related("membership").get(pk=mentee.pk)
    mentor = Participant.objects.for_org(org).select_related("membership", "cohort").get(pk=mentor.pk)
    if Pair.objects.for_org(org).filter(mentee=mentee).exists():
        raise Conflict(f"{mentee.membership.display_name} already has a mentor; unpair them first.")
    taken = Pair.objects.for_org(org).filter(mentor=mentor).count()
    if taken >= mentor.effective_capacity:
        raise DomainError(f"{mentor.membership.display_name} is full ({taken} of {mentor.effective_capacity}).",
                          field="mentor")
    ((score, reasons),) = _checked(cohort, [(mentee, mentor)])
    pair = Pair.objects.for_org(org).create(organization=org, cohort=cohort, mentee=mentee, mentor=mentor,
                                            score=score, reasons=reasons, locked=lock, origin=Pair.Origin.MANUAL)
    mentee.unmatched_why = ""
    mentee.save(update_fields=["unmatched_why"])
    _record(cohort, actor, PairChange.Action.ASSIGN,
            f"Paired {mentee.membership.display_name} with {mentor.membership.display_name} by hand",
            after=_pair_view(pair))
    return pair


# --- Publish and end -------------------------------------------------------------------------------------------

@transaction.atomic
def cohort_publish(*, actor: Membership, cohort: Cohort) -> Cohort:
    """Make the pairs official and tell each mentee and mentor (email after commit)."""
    require_role(actor, "manager")
    cohort = _editable(cohort)
    org = cohort.organization
    if PairingRun.objects.for_org(org).filter(cohort=cohort, status__in=["queued", "running"]).exists():
        raise Conflict("Pairing is still running; publish when it is done.")
    pairs = list(sel.pairs_of(cohort))
    if not pairs:
        raise DomainError("There are no pairs to publish yet.")
    cohort.status, cohort.published_at = Cohort.Status.PUBLISHED, timezone.now()
    cohort.save(update_fields=["status", "published_at"])
    _record(cohort, actor, PairChange.Action.PUBLISH, f"Published {len(pairs)} pair(s)",
            after={"pairs": [_pair_view(p) for p in pairs[:500]]})
    _notify_pairs(cohort, pairs)
    transaction.on_commit(lambda: _send_pair_emails(cohort, pairs))
    return cohort


def _notify_pairs(cohort: Cohort, pairs: list[Pair]) -> None:
    """In-app, in the publishing transaction: one notification per mentee and
    one per mentor (however many mentees they have), linking to their pairing."""
    from sessions_app.models_nudges import Notification

    org = cohort.organization
    link = reverse("org_home", kwargs={"org_slug": org.slug}) + "#my-pairing"
    where = f"{cohort.program.name} · {cohort.name}"
    by_mentor: dict = {}
    notes = []
    for pair in pairs:
        by_mentor.setdefault(pair.mentor_id, (pair.mentor, []))[1].append(pair.mentee.membership.display_name)
        notes.append(Notification(organization=org, recipient_id=pair.mentee.membership_id, link=link,
                                  title=f"Your mentor: {pair.mentor.membership.display_name}"[:200],
                                  body=f"You are paired with {pair.mentor.membership.display_name} in {where}, "
                                       f"until {cohort.ends_on:%d %B %Y}."))
    for mentor, mentees in by_mentor.values():
        notes.append(Notification(organization=org, recipient_id=mentor.membership_id, link=link,
                                  title=f"Your mentee{'s' * (len(mentees) != 1)} in {where}"[:200],
                                  body=f"You mentor {', '.join(sorted(mentees))} in {where}, "
                                       f"until {cohort.ends_on:%d %B %Y}."))
    Notification.objects.for_org(org).bulk_create(notes, batch_size=1000)


def _send_pair_emails(cohort: Cohort, pairs: list[Pair]) -> None:
    """One email per mentee and per mentor; a mail failure is logged, not raised
    (the cohort is published either way; the pairs show on the home page)."""
    by_mentor: dict = {}
    for pair in pairs:
        by_mentor.setdefault(pair.mentor_id, (pair.mentor, []))[1].append(pair)
    messages = [(pair.mentee.membership, "emails/pair_mentee", {"pair": pair}) for pair in pairs]
    messages += [(mentor.membership, "emails/pair_mentor", {"pairs": mine}) for mentor, mine in by_mentor.values()]
    for person, template, context in messages:
        context.update(cohort=cohort, org=cohort.organization, person=person)
        try:
            send_mail(subject=f"[Touchpoint] Your pairing in {cohort.program.name} · {cohort.name}",
                      message=render_to_string(f"{template}.txt", context), from_email=None,
                      recipient_list=[person.email])
        except Exception:  # SMTP errors come in many classes
            logger.exception("Could not email %s about their pairing", person.email)


@transaction.atomic
def cohort_end(*, actor: Membership, cohort: Cohort) -> Cohort:
    require_role(actor, "manager")
    cohort = Cohort.objects.for_org(actor.organization).select_for_update().get(pk=cohort.pk)
    if cohort.status != Cohort.Status.PUBLISHED:
        raise Conflict("Only a published cohort can end.")
    cohort.status, cohort.ended_at = Cohort.Status.ENDED, timezone.now()
    cohort.save(update_fields=["status", "ended_at"])
    counts = Pair.objects.for_org(cohort.organization).filter(cohort=cohort).aggregate(pairs=Count("id"))
    _record(cohort, actor, PairChange.Action.END, "Ended the cohort", after=counts)
    return cohort
