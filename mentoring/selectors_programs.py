"""Reads of programs and cohorts, always within one org, plus the builder that
turns a cohort in the database into a pairing-engine instance."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, Prefetch, Q, QuerySet

from .models import Membership, Organization, WorkItem
from .models_programs import Cohort, Pair, PairChange, PairingRun, Participant, Program

PAIR_RELATED = ("mentee__membership", "mentor__membership")


def programs_list(*, org: Organization) -> QuerySet[Program]:
    return Program.objects.for_org(org).annotate(cohort_count=Count("cohorts")).order_by("name", "id")


def cohorts_of(*, org: Organization, program: Program | None = None) -> QuerySet[Cohort]:
    cohorts = Cohort.objects.for_org(org).select_related("program").annotate(
        mentor_count=Count("participants", filter=Q(participants__role="mentor"), distinct=True),
        mentee_count=Count("participants", filter=Q(participants__role="mentee"), distinct=True),
        pair_count=Count("pairs", distinct=True))
    if program is not None:
        cohorts = cohorts.filter(program=program)
    return cohorts.order_by("-starts_on", "name", "id")


def participants_of(cohort: Cohort, role: str | None = None) -> QuerySet[Participant]:
    participants = Participant.objects.for_org(cohort.organization).filter(cohort=cohort) \
        .select_related("membership").prefetch_related("goal_skills")
    if role:
        participants = participants.filter(role=role)
    return participants.order_by("role", "membership__display_name", "id")


def pairs_of(cohort: Cohort) -> QuerySet[Pair]:
    return Pair.objects.for_org(cohort.organization).filter(cohort=cohort).select_related(*PAIR_RELATED) \
        .order_by("mentor__membership__display_name", "mentee__membership__display_name", "id")


def cohort_review(cohort: Cohort) -> dict:
    """Everything the review page shows, in a fixed number of queries."""
    org = cohort.organization
    pairs = list(pairs_of(cohort))
    mentors = list(Participant.objects.for_org(org).filter(cohort=cohort, role="mentor")
                   .select_related("membership").annotate(pair_count=Count("mentor_pairs"))
                   .order_by("membership__display_name", "id"))
    for mentor in mentors:
        mentor.cohort = cohort  # effective_capacity reads the ratio without a query
    unpaired = list(Participant.objects.for_org(org).filter(cohort=cohort, role="mentee", pair__isnull=True)
                    .select_related("membership").order_by("membership__display_name", "id"))
    return {"pairs": pairs, "mentors": mentors, "unpaired": unpaired, "run": latest_run(cohort),
            "mentee_count": len(pairs) + len(unpaired),
            "locked_count": sum(p.locked for p in pairs)}


def latest_run(cohort: Cohort) -> PairingRun | None:
    return PairingRun.objects.for_org(cohort.organization).filter(cohort=cohort).order_by("-created_at").first()


def history_of(cohort: Cohort) -> QuerySet[PairChange]:
    return PairChange.objects.for_org(cohort.organization).filter(cohort=cohort).select_related("actor") \
        .order_by("-at", "-id")


def my_pairs(membership: Membership) -> list[Pair]:
    """Published pairs where this person is the mentee or the mentor (the home page)."""
    # Only the columns the home page shows: whole rows of five joined tables cost more to
    # compile and build than the query takes in Postgres.
    return list(Pair.objects.for_org(membership.organization)
                .filter(cohort__status=Cohort.Status.PUBLISHED)
                .filter(Q(mentee__membership=membership) | Q(mentor__membership=membership))
                .select_related("cohort__program", *PAIR_RELATED)
                .only(*(f.name for f in Pair._meta.concrete_fields), "cohort__name", "cohort__starts_on",
                      "cohort__ends_on", "cohort__program__name", "mentee__membership", "mentor__membership",
                      *(f"{side}__membership__{name}" for side in ("mentee", "mentor")
                        for name in ("display_name", "title")))
                .order_by("cohort__starts_on", "mentee__membership__display_name"))


def people_matching(*, org: Organization, team: str = "", title: str = "", hired_from: date | None = None,
                    hired_to: date | None = None) -> QuerySet[Membership]:
    people = Membership.objects.for_org(org).filter(is_active=True)
    if team:
        people = people.filter(team__iexact=team.strip())
    if title:
        people = people.filter(title__icontains=title.strip())
    if hired_from:
        people = people.filter(hire_date__gte=hired_from)
    if hired_to:
        people = people.filter(hire_date__lte=hired_to)
    return people.order_by("display_name", "id")


# --- The engine's instance --------------------------------------------------------------------

@dataclass
class BuiltInstance:
    instance: dict  # mentoring.pairing.instance format, people attributes; ids = membership ids
    participant_of: dict[str, dict[str, str]] = field(default_factory=dict)  # role -> {membership id: participant}
    locked_pair_ids: set = field(default_factory=set)


def _hours(m: Membership) -> list[str]:
    return [m.working_hours_start.strftime("%H:%M"), m.working_hours_end.strftime("%H:%M")]


def pairing_instance(cohort: Cohort, only: tuple[Participant, Participant] | None = None) -> BuiltInstance:
    """The cohort as an engine instance: mentees not in a locked pair; mentors with
    their capacity minus their locked pairs; work items, goals vs skills, time
    zones and working hours, managers, opt-outs, mentors of the last N cohorts of
    the program, and each mentor's load in other published cohorts.
    ``only=(mentee, mentor)`` gives the 1×1 instance of that pair (rule checks)."""
    org, program = cohort.organization, cohort.program
    participants = Participant.objects.for_org(org).filter(cohort=cohort).select_related("membership") \
        .prefetch_related("goal_skills", "opt_outs", "membership__skills",
                          Prefetch("membership__work_items", queryset=WorkItem.unscoped.only("membership_id", "name")))
    if only is not None:
        participants = participants.filter(pk__in=[p.pk for p in only])
    participants = list(participants)
    locked = list(Pair.objects.for_org(org).filter(cohort=cohort, locked=True)
                  .values_list("pk", "mentee_id", "mentor_id"))
    locked_mentees = {mentee for _, mentee, _ in locked}
    locked_load: dict = {}
    for _, _, mentor in locked:
        locked_load[mentor] = locked_load.get(mentor, 0) + 1

    recent = {}
    if program.recent_cohorts:
        previous = Cohort.objects.for_org(org).filter(
            program=program, status__in=[Cohort.Status.PUBLISHED, Cohort.Status.ENDED],
            starts_on__lte=cohort.starts_on).exclude(pk=cohort.pk).order_by("-starts_on", "-created_at") \
            .values_list("pk", flat=True)[:program.recent_cohorts]
        for mentee, mentor in Pair.objects.for_org(org).filter(cohort__in=list(previous)).values_list(
                "mentee__membership_id", "mentor__membership_id"):
            recent.setdefault(str(mentee), set()).add(str(mentor))
    load = dict(Pair.objects.for_org(org).filter(cohort__status=Cohort.Status.PUBLISHED).exclude(cohort=cohort)
                .values_list("mentor__membership_id").annotate(n=Count("id")).values_list("mentor__membership_id", "n"))

    mentees, mentors = [], []
    participant_of = {"mentee": {}, "mentor": {}}
    for p in participants:
        m = p.membership
        pid = str(m.pk)
        person = {"id": pid, "work_items": [w.name for w in m.work_items.all()], "tz": m.time_zone,
                  "working_hours": _hours(m), "manager_id": str(m.manager_id) if m.manager_id else None,
                  "opt_outs": [str(o.pk) for o in p.opt_outs.all()]}
        if p.role == Participant.Role.MENTEE:
            if only is None and p.pk in locked_mentees:
                continue
            person.update(goals=[s.name for s in p.goal_skills.all()], recent_mentors=sorted(recent.get(pid, ())))
            mentees.append(person)
        else:
            p.cohort = cohort
            person.update(skills=[s.name for s in m.skills.all()], load=load.get(m.pk, 0),
                          capacity=max(0, p.effective_capacity - locked_load.get(p.pk, 0)))
            mentors.append(person)
        participant_of[p.role][pid] = p.pk
    weights = {"load_cap": cohort.ratio, **(program.weights or {})}
    instance = {"mentees": mentees, "mentors": mentors, "weights": weights,
                "rules": {"no_repeat": True, "min_shared_hours": float(program.min_shared_hours)},
                "reference_date": cohort.starts_on.isoformat()}
    return BuiltInstance(instance, participant_of, {pk for pk, _, _ in locked})
