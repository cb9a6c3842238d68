"""People profiles: editing one, skills and work items, the CSV export."""

from __future__ import annotations

from django.db import transaction

from .. import people_csv, selectors
from ..audit import Action, audit_record
from ..errors import DomainError, NotPermitted
from ..models import Membership, Organization, Skill, WorkItem
from .common import _full_clean, require_role

PROFILE_FIELDS = ("display_name", "title", "team", "time_zone", "working_hours_start", "working_hours_end",
                  "hire_date", "role_start_date", "is_external", "hourly_rate", "currency")


def _skills_for(org: Organization, names) -> list[Skill]:
    wanted = {}
    for name in names:
        slug, display = Skill.normalise(name)
        if slug:
            wanted.setdefault(slug, display)
    if not wanted:
        return []
    Skill.objects.for_org(org).bulk_create(
        [Skill(organization=org, slug=slug, name=display) for slug, display in wanted.items()],
        ignore_conflicts=True)
    return list(Skill.objects.for_org(org).filter(slug__in=wanted))


@transaction.atomic
def person_update(*, actor: Membership, membership: Membership, skills=None, work_items=None,
                  manager: Membership | None | str = "unchanged", **fields) -> Membership:
    """Edit a person's profile. Managers edit anyone; a member edits themself."""
    org = actor.organization
    if membership.pk != actor.pk:
        require_role(actor, "manager")
    unknown = set(fields) - set(PROFILE_FIELDS)
    if unknown:
        raise DomainError(f"Not a profile field: {', '.join(sorted(unknown))}.")
    if membership.pk == actor.pk and not actor.is_manager and \
            {"hourly_rate", "currency", "is_external"} & set(fields):
        raise NotPermitted("Only a program manager can change external terms.")
    membership = Membership.objects.for_org(org).select_for_update().get(pk=membership.pk)
    for name, value in fields.items():
        setattr(membership, name, value)
    if manager != "unchanged":
        if manager is not None and (manager.organization_id != org.id or manager.pk == membership.pk):
            raise DomainError("Pick a manager from this organisation, other than the person.", field="manager")
        if manager is not None and _manages_chain(manager, membership):
            raise DomainError(f"{manager.display_name} reports to {membership.display_name}; "
                              f"that would make a loop.", field="manager")
        membership.manager = manager
    if membership.hourly_rate is not None and not membership.currency:
        raise DomainError("A currency is required with an hourly rate.", field="currency")
    if membership.working_hours_start >= membership.working_hours_end:
        raise DomainError("Working hours must end after they start.", field="working_hours_end")
    _full_clean(membership, exclude=["organization", "user", "manager", "skills"])
    membership.save()
    if skills is not None:
        membership.skills.set(_skills_for(org, skills))
    if work_items is not None:
        _replace_work_items(org, [membership], {membership.pk: work_items})
    return membership


def _manages_chain(candidate: Membership, person: Membership) -> bool:
    """True if ``candidate`` is (transitively) managed by ``person``."""
    seen = set()
    current = candidate
    while current is not None and current.pk not in seen:
        if current.manager_id == person.pk:
            return True
        seen.add(current.pk)
        current = current.manager
    return False


def _replace_work_items(org, memberships, items_by_member: dict) -> None:
    ids = [m.pk for m in memberships]
    WorkItem.objects.for_org(org).filter(membership_id__in=ids).delete()
    rows = []
    for member_id, items in items_by_member.items():
        seen = set()
        for name, url in items:
            if name.lower() in seen:
                continue
            seen.add(name.lower())
            rows.append(WorkItem(organization=org, membership_id=member_id, name=name, url=url or ""))
    WorkItem.objects.for_org(org).bulk_create(rows)


def people_export(*, actor: Membership) -> str:
    """The org's people as CSV (program managers); every export is audited."""
    require_role(actor, "manager")
    org = actor.organization
    people = list(selectors.people_for_export(org))
    audit_record(org=org, actor=actor, action=Action.PEOPLE_EXPORT, target=org,
                 after={"rows": len(people), "format": "csv"})
    return people_csv.render(people)
