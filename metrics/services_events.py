"""Writes of the metrics inputs: role events, ramp milestone definitions and
ramp milestones. One function per use case, transactional, validated; each
change is audited and reported to ``signals_hooks.events_changed`` so the
dashboards' snapshots follow.

Program managers and HR viewers keep these records (HR owns the HRIS data).
"""

from __future__ import annotations

from datetime import date

from django.db import IntegrityError, transaction

from mentoring.audit import audit_record
from mentoring.errors import Conflict, DomainError
from mentoring.models import AuditEvent, Membership, Organization
from mentoring.services import require_role

from . import event_rules, selectors_events, signals_hooks
from .models import RampMilestone, RampMilestoneDefinition, RoleEvent, Source

KEEPERS = ("manager", "hr")
Action = AuditEvent.Action
EVENT_FIELDS = ("kind", "effective_on", "title_before", "title_after", "team_before", "team_after")


def _require_member_of_org(actor: Membership, member: Membership) -> None:
    if member is None or member.organization_id != actor.organization_id:
        raise DomainError("No such person in this organisation.", field="member")


def _clean_text(value: str | None) -> str:
    return " ".join((value or "").split())


def _event_snapshot(event: RoleEvent) -> dict:
    return {"member": str(event.member_id), **{f: getattr(event, f) for f in EVENT_FIELDS}}


def _raise_problems(problems: dict) -> None:
    if problems:
        raise DomainError(problems)


def _save_unique(obj, message: str) -> None:
    """Save inside a savepoint: a duplicate of a unique row is a 409, not a 500."""
    try:
        with transaction.atomic():
            obj.save()
    except IntegrityError:
        raise Conflict(message) from None


# --- Role events -----------------------------------------------------------------------------

@transaction.atomic
def role_event_record(*, actor: Membership, member: Membership, kind: str, effective_on: date,
                      title_before: str = "", title_after: str = "", team_before: str = "", team_after: str = "",
                      source: str = Source.MANUAL) -> RoleEvent:
    """Record a hire, transfer or promotion of one person of the org."""
    require_role(actor, *KEEPERS)
    _require_member_of_org(actor, member)
    org = actor.organization
    texts = {"title_before": _clean_text(title_before), "title_after": _clean_text(title_after),
             "team_before": _clean_text(team_before), "team_after": _clean_text(team_after)}
    _raise_problems(event_rules.role_event_problems(kind=kind, effective_on=effective_on,
                                                    today=selectors_events.org_today(org), **texts))
    event = RoleEvent(organization=org, member=member, kind=kind, effective_on=effective_on, source=source, **texts)
    _save_unique(event, f"{member.display_name} already has a {kind} on {effective_on:%Y-%m-%d}.")
    audit_record(org=org, actor=actor, action=Action.ROLE_EVENT_CREATE, target=_target(event),
                 after=_event_snapshot(event))
    signals_hooks.events_changed(org.pk, [member.pk])
    return event


@transaction.atomic
def role_event_update(*, actor: Membership, event: RoleEvent, **changes) -> RoleEvent:
    """Correct a role event (kind, date, titles, teams; not the person)."""
    require_role(actor, *KEEPERS)
    org = actor.organization
    event = RoleEvent.objects.for_org(org).select_for_update().select_related("member").get(pk=event.pk)
    unknown = set(changes) - set(EVENT_FIELDS)
    if unknown:
        raise DomainError(f"Cannot change {', '.join(sorted(unknown))}.")
    before = _event_snapshot(event)
    for field, value in changes.items():
        setattr(event, field, value if field in ("kind", "effective_on") else _clean_text(value))
    _raise_problems(event_rules.role_event_problems(
        kind=event.kind, effective_on=event.effective_on, title_before=event.title_before,
        title_after=event.title_after, team_before=event.team_before, team_after=event.team_after,
        today=selectors_events.org_today(org)))
    after = _event_snapshot(event)
    if after == before:
        return event
    _save_unique(event, f"{event.member.display_name} already has a {event.kind} on {event.effective_on:%Y-%m-%d}.")
    audit_record(org=org, actor=actor, action=Action.ROLE_EVENT_UPDATE, target=_target(event),
                 before=before, after=after)
    signals_hooks.events_changed(org.pk, [event.member_id])
    return event


@transaction.atomic
def role_event_delete(*, actor: Membership, event: RoleEvent) -> None:
    require_role(actor, *KEEPERS)
    org = actor.organization
    event = RoleEvent.objects.for_org(org).select_related("member").get(pk=event.pk)
    before, target, member_id = _event_snapshot(event), _target(event), event.member_id
    event.delete()
    audit_record(org=org, actor=actor, action=Action.ROLE_EVENT_DELETE, target=target, before=before)
    signals_hooks.events_changed(org.pk, [member_id])


def _target(obj) -> tuple[str, str, str]:
    """(type, id, label) for the audit log; the label names the person, never more."""
    if isinstance(obj, RoleEvent):
        return ("roleevent", obj.pk, f"{obj.get_kind_display()} of {obj.member.display_name} on {obj.effective_on}")
    if isinstance(obj, RampMilestone):
        return ("rampmilestone", obj.pk, f"{obj.member.display_name}: {obj.definition.name} on {obj.reached_on}")
    return ("rampmilestonedefinition", obj.pk, obj.name)


# --- Ramp milestone definitions ------------------------------------------------------------------

def _lock_definitions(org) -> None:
    """Serialise definition changes of one org (on the org row, which exists even
    before the first definition), so two requests cannot both become active."""
    Organization.objects.select_for_update().filter(pk=org.pk).values_list("pk", flat=True).first()


def _make_only_active(org, definition: RampMilestoneDefinition) -> None:
    """One definition is *the* ramp milestone ramp time is measured to."""
    RampMilestoneDefinition.objects.for_org(org).filter(is_active=True).exclude(pk=definition.pk) \
        .update(is_active=False)


@transaction.atomic
def ramp_definition_create(*, actor: Membership, name: str, description: str = "",
                           is_active: bool | None = None) -> RampMilestoneDefinition:
    """Define a ramp milestone. The first one becomes the active definition;
    ``is_active=True`` makes a new one active in place of the current one."""
    require_role(actor, *KEEPERS)
    org = actor.organization
    _lock_definitions(org)
    name, description = _clean_text(name), (description or "").strip()
    _check_definition(name, description)
    if is_active is None:
        is_active = not RampMilestoneDefinition.objects.for_org(org).filter(is_active=True).exists()
    definition = RampMilestoneDefinition(organization=org, name=name, description=description, is_active=is_active)
    _save_unique(definition, f"A ramp milestone named “{name}” already exists.")
    if is_active:
        _make_only_active(org, definition)
    audit_record(org=org, actor=actor, action=Action.RAMP_DEFINITION_CHANGE, target=_target(definition),
                 after={"name": name, "is_active": is_active})
    signals_hooks.events_changed(org.pk, [])
    return definition


def _check_definition(name: str, description: str) -> None:
    problems = {}
    if not name:
        problems["name"] = ["A name is required."]
    elif len(name) > event_rules.MILESTONE_NAME_MAX:
        problems["name"] = [f"At most {event_rules.MILESTONE_NAME_MAX} characters."]
    if len(description) > 2000:
        problems["description"] = ["At most 2000 characters."]
    _raise_problems(problems)


@transaction.atomic
def ramp_definition_update(*, actor: Membership, definition: RampMilestoneDefinition, name: str | None = None,
                           description: str | None = None, is_active: bool | None = None) -> RampMilestoneDefinition:
    require_role(actor, *KEEPERS)
    org = actor.organization
    _lock_definitions(org)
    definition = RampMilestoneDefinition.objects.for_org(org).get(pk=definition.pk)
    before = {"name": definition.name, "description": definition.description, "is_active": definition.is_active}
    if name is not None:
        definition.name = _clean_text(name)
    if description is not None:
        definition.description = description.strip()
    if is_active is not None:
        definition.is_active = is_active
    _check_definition(definition.name, definition.description)
    after = {"name": definition.name, "description": definition.description, "is_active": definition.is_active}
    if after == before:
        return definition
    _save_unique(definition, f"A ramp milestone named “{definition.name}” already exists.")
    if definition.is_active:
        _make_only_active(org, definition)
    audit_record(org=org, actor=actor, action=Action.RAMP_DEFINITION_CHANGE, target=_target(definition),
                 before=before, after=after)
    if before["is_active"] != after["is_active"]:
        signals_hooks.events_changed(org.pk, [])  # ramp time is measured to another milestone now
    return definition


@transaction.atomic
def ramp_definition_delete(*, actor: Membership, definition: RampMilestoneDefinition) -> int:
    """Delete a definition and the milestones recorded against it; returns their number."""
    require_role(actor, *KEEPERS)
    org = actor.organization
    definition = RampMilestoneDefinition.objects.for_org(org).get(pk=definition.pk)
    member_ids = list(RampMilestone.objects.for_org(org).filter(definition=definition)
                      .values_list("member_id", flat=True).distinct())
    milestones = RampMilestone.objects.for_org(org).filter(definition=definition).count()
    target = _target(definition)
    definition.delete()
    audit_record(org=org, actor=actor, action=Action.RAMP_DEFINITION_DELETE, target=target,
                 before={"name": target[2], "milestones": milestones})
    signals_hooks.events_changed(org.pk, member_ids)
    return milestones


# --- Ramp milestones ------------------------------------------------------------------------

@transaction.atomic
def ramp_milestone_record(*, actor: Membership, member: Membership, definition: RampMilestoneDefinition,
                          reached_on: date, source: str = Source.MANUAL) -> RampMilestone:
    """The day one person reached a ramp milestone, on or after their latest role start."""
    require_role(actor, *KEEPERS)
    _require_member_of_org(actor, member)
    org = actor.organization
    if definition is None or definition.organization_id != org.pk:
        raise DomainError("No such ramp milestone in this organisation.", field="definition")
    latest = selectors_events.latest_role_starts(org, [member.pk]).get(member.pk)
    _raise_problems(event_rules.milestone_problems(reached_on=reached_on, latest_role_start=latest,
                                                   today=selectors_events.org_today(org)))
    milestone = RampMilestone(organization=org, member=member, definition=definition, reached_on=reached_on,
                              source=source)
    _save_unique(milestone, f"{member.display_name} already reached “{definition.name}” on {reached_on:%Y-%m-%d}.")
    audit_record(org=org, actor=actor, action=Action.RAMP_MILESTONE_CREATE, target=_target(milestone),
                 after={"member": str(member.pk), "definition": definition.name, "reached_on": reached_on})
    signals_hooks.events_changed(org.pk, [member.pk])
    return milestone


@transaction.atomic
def ramp_milestone_delete(*, actor: Membership, milestone: RampMilestone) -> None:
    require_role(actor, *KEEPERS)
    org = actor.organization
    milestone = RampMilestone.objects.for_org(org).select_related("member", "definition").get(pk=milestone.pk)
    target, member_id = _target(milestone), milestone.member_id
    before = {"member": str(member_id), "definition": milestone.definition.name, "reached_on": milestone.reached_on}
    milestone.delete()
    audit_record(org=org, actor=actor, action=Action.RAMP_MILESTONE_DELETE, target=target, before=before)
    signals_hooks.events_changed(org.pk, [member_id])
