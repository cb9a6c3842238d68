"""Importing an HRIS export of role events or ramp milestones: upload → preview → apply.

The same shape as the people import (``mentoring.services.people_import_*``):
the preview lists every problem per row, the apply is all or nothing, and
importing the same file again changes nothing (rows are matched on the
person, kind and day — or person, milestone and day).
"""

from __future__ import annotations

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from mentoring import csv_import
from mentoring.audit import audit_record
from mentoring.errors import Conflict, DomainError
from mentoring.models import AuditEvent, Membership, Organization
from mentoring.services import require_role
from mentoring.services_imports import csv_import_apply

from . import event_rules, events_csv, selectors_events, signals_hooks
from .models import EventImport, RampMilestone, RampMilestoneDefinition, RoleEvent, Source
from .services_events import KEEPERS

TEXTS = ("title_before", "title_after", "team_before", "team_after")


def event_import_upload(*, actor: Membership, kind: str, filename: str, content: bytes | str) -> EventImport:
    """Store an uploaded CSV for preview (nothing is applied yet)."""
    require_role(actor, *KEEPERS)
    if kind not in EventImport.Kind.values:
        raise DomainError("Choose role events or ramp milestones.", field="kind")
    content = csv_import.decode_upload(content, max_bytes=settings.METRICS_IMPORT_MAX_BYTES)
    org = actor.organization
    return EventImport.objects.for_org(org).create(organization=org, kind=kind, created_by=actor.user,
                                                   filename=(filename or "")[:200], content=content)


def event_import_preview(*, org: Organization, event_import: EventImport) -> dict:
    """Validate every row against the file and the org; say what apply would do.

    Each row gets an ``action``: create, update (same person, kind and day, other
    titles or teams) or unchanged."""
    today = selectors_events.org_today(org)
    if event_import.kind == EventImport.Kind.ROLE_EVENTS:
        parsed = events_csv.parse_events(event_import.content, max_rows=settings.METRICS_IMPORT_MAX_ROWS, today=today)
        rows = _check_events(org, parsed)
    else:
        parsed = events_csv.parse_milestones(event_import.content, max_rows=settings.METRICS_IMPORT_MAX_ROWS,
                                             today=today)
        rows = _check_milestones(org, parsed, today)
    counts = {action: sum(1 for row in rows if row["action"] == action) for action in ("create", "update", "unchanged")}
    return {"ok": parsed.ok, "errors": parsed.error_list(), "rows": rows, "row_count": len(parsed.rows),
            "create_count": counts["create"], "update_count": counts["update"],
            "unchanged_count": counts["unchanged"], "parsed": parsed}


def _row_out(row, **extra) -> dict:
    return {"row": row.number, "errors": row.errors, "action": "—", **row.values, **extra}


def _check_events(org, parsed) -> list[dict]:
    members = selectors_events.members_by_email(org, {r.values["email"] for r in parsed.rows if "email" in r.values})
    existing = {}
    if members:
        for event in RoleEvent.objects.for_org(org).filter(member__in=list(members.values())):
            existing[(event.member_id, event.kind, event.effective_on)] = event
    out = []
    for row in parsed.rows:
        member = members.get(row.values.get("email"))
        if "email" in row.values and member is None:
            row.error("email", f"{row.values['email']} is not a person in {org.name}; import people first.")
        extra = {"display_name": member.display_name if member else ""}
        if row.errors:
            out.append(_row_out(row, **extra))
            continue
        row.values["member"] = member
        current = existing.get((member.pk, row.values["kind"], row.values["effective_on"]))
        if current is None:
            action = "create"
        elif all(getattr(current, f) == row.values[f] for f in TEXTS if f in row.values):
            action = "unchanged"
        else:
            action = "update"
            row.values["existing"] = current
        row.values["action"] = action
        out.append(_row_out(row, **extra, action=action))
    return out


def _check_milestones(org, parsed, today) -> list[dict]:
    members = selectors_events.members_by_email(org, {r.values["email"] for r in parsed.rows if "email" in r.values})
    definitions = {d.name.lower(): d for d in RampMilestoneDefinition.objects.for_org(org)}
    starts = selectors_events.latest_role_starts(org, [m.pk for m in members.values()])
    existing = set()
    if members:
        existing = set(RampMilestone.objects.for_org(org).filter(member__in=list(members.values()))
                       .values_list("member_id", "definition_id", "reached_on"))
    out = []
    for row in parsed.rows:
        member = members.get(row.values.get("email"))
        if "email" in row.values and member is None:
            row.error("email", f"{row.values['email']} is not a person in {org.name}; import people first.")
        definition = definitions.get((row.values.get("milestone") or "").lower())
        if "milestone" in row.values and definition is None:
            known = ", ".join(sorted(d.name for d in definitions.values())[:10]) or "none yet"
            row.error("milestone", f"“{row.values['milestone']}” is not a ramp milestone of {org.name} "
                                   f"(defined: {known}).")
        if member is not None and "reached_on" in row.values:
            for field, messages in event_rules.milestone_problems(
                    reached_on=row.values["reached_on"], latest_role_start=starts.get(member.pk), today=today).items():
                for message in messages:
                    row.error(field, message)
        extra = {"display_name": member.display_name if member else ""}
        if row.errors:
            out.append(_row_out(row, **extra))
            continue
        row.values.update(member=member, definition=definition)
        action = "unchanged" if (member.pk, definition.pk, row.values["reached_on"]) in existing else "create"
        row.values["action"] = action
        out.append(_row_out(row, **extra, action=action))
    return out


def event_import_apply(*, actor: Membership, event_import: EventImport) -> dict:
    """All or nothing: any row with an error means nothing is written.
    Idempotent: rows already there are left as they are."""
    require_role(actor, *KEEPERS)
    org = actor.organization
    return csv_import_apply(
        org=org, upload=event_import,
        preview=lambda upload: event_import_preview(org=org, event_import=upload),
        apply=lambda upload, preview: _apply(actor, upload, [row.values for row in preview["parsed"].rows]),
        describe=_describe)


def _apply(actor, event_import, rows) -> dict:
    org = actor.organization
    try:
        with transaction.atomic():
            if event_import.kind == EventImport.Kind.ROLE_EVENTS:
                created, updated = _apply_events(org, rows)
            else:
                created, updated = _apply_milestones(org, rows), 0
    except IntegrityError:  # a row written by someone else since the preview
        raise Conflict("Some rows were added meanwhile; preview the file again.") from None
    unchanged = len(rows) - created - updated
    event_import.status = EventImport.Status.APPLIED
    event_import.applied_at = timezone.now()
    event_import.row_count = len(rows)
    event_import.created_count = created + updated
    event_import.unchanged_count = unchanged
    event_import.save()
    audit_record(org=org, actor=actor, action=AuditEvent.Action.EVENTS_IMPORT, target=event_import,
                 after={"kind": event_import.kind, "rows": len(rows), "created": created, "updated": updated,
                        "unchanged": unchanged})
    changed_members = {row["member"].pk for row in rows if row["action"] != "unchanged"}
    if changed_members:
        signals_hooks.events_changed(org.pk, sorted(changed_members))
    return {"created": created, "updated": updated, "unchanged": unchanged, "import": event_import}


def _apply_events(org, rows) -> tuple[int, int]:
    new = [RoleEvent(organization=org, member=row["member"], kind=row["kind"], effective_on=row["effective_on"],
                     source=Source.IMPORT, **{f: row.get(f, "") for f in TEXTS})
           for row in rows if row["action"] == "create"]
    RoleEvent.objects.for_org(org).bulk_create(new, batch_size=1000)
    changed = []
    for row in rows:
        if row["action"] == "update":
            event = row["existing"]
            for field in TEXTS:
                if field in row:  # a column left out of the file is not changed
                    setattr(event, field, row[field])
            changed.append(event)
    RoleEvent.objects.for_org(org).bulk_update(changed, list(TEXTS), batch_size=1000)
    return len(new), len(changed)


def _apply_milestones(org, rows) -> int:
    new = [RampMilestone(organization=org, member=row["member"], definition=row["definition"],
                         reached_on=row["reached_on"], source=Source.IMPORT)
           for row in rows if row["action"] == "create"]
    RampMilestone.objects.for_org(org).bulk_create(new, batch_size=1000)
    return len(new)


def _describe(error: dict) -> str:
    where = f"line {error['row']}" if error["row"] else "file"
    column = f", {error['field']}" if error["field"] else ""
    return f"{where}{column}: {error['message']}"
