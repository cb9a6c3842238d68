"""Programs and cohorts: creating them, and the draft lock every change of a cohort's pairs takes."""

from __future__ import annotations

from datetime import date

from django.db import transaction

from ..errors import Conflict, DomainError
from ..models import Membership
from ..models_programs import COHORT_MAX_LENGTH, COHORT_MIN_LENGTH, Cohort, Program
from ..services import _full_clean, require_role


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
