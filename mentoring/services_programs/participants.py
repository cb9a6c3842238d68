"""Who is in a cohort: adding people (picked, by filter, by CSV), editing and removing them."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from .. import selectors_programs as sel
from ..errors import DomainError
from ..models import Membership
from ..models_programs import Cohort, PairChange, Participant
from ..services import _full_clean, _skills_for, require_role
from .history import _pair_view, _record
from .programs import _editable

MAX_CSV_ROWS = 5000


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
