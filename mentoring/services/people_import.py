"""The people CSV import: upload, preview, apply (all rows or none)."""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone

from .. import csv_import, people_csv
from ..audit import Action, audit_record
from ..errors import DomainError
from ..models import ROLES, Membership, Organization, PeopleImport, Skill
from ..services_imports import csv_import_apply
from .common import require_role
from .people import _replace_work_items, _skills_for


def people_import_upload(*, actor: Membership, filename: str, content: bytes | str) -> PeopleImport:
    """Store an uploaded CSV for preview (nothing is applied yet)."""
    require_role(actor, "manager")
    content = csv_import.decode_upload(content, max_bytes=settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
    return PeopleImport.objects.for_org(actor.organization).create(
        organization=actor.organization, created_by=actor.user, filename=(filename or "")[:200], content=content)


def people_import_preview(*, org: Organization, people_import: PeopleImport) -> dict:
    """Validate every row against the file and the org; say what apply would do."""
    parsed = people_csv.parse(people_import.content, max_rows=settings.PEOPLE_IMPORT_MAX_ROWS)
    existing = dict(Membership.objects.for_org(org).filter(
        email__in=[r.values.get("email") for r in parsed.rows if r.values.get("email")]
    ).values_list("email", "display_name"))
    file_emails = {r.values.get("email") for r in parsed.rows}
    manager_emails = {r.values["manager_email"] for r in parsed.rows if r.values.get("manager_email")}
    known_managers = set(Membership.objects.for_org(org).filter(email__in=manager_emails)
                         .values_list("email", flat=True)) | file_emails
    for row in parsed.rows:
        manager_email = row.values.get("manager_email")
        if manager_email and manager_email not in known_managers:
            row.error("manager_email", f"{manager_email} is neither in this file nor a member of {org.name}.")
    rows = [{"row": r.number, "email": r.values.get("email"), "display_name": r.values.get("display_name"),
             "action": "update" if r.values.get("email") in existing else "create",
             "errors": r.errors} for r in parsed.rows]
    return {
        "ok": parsed.ok,
        "errors": parsed.error_list(),
        "rows": rows,
        "row_count": len(parsed.rows),
        "create_count": sum(1 for r in rows if r["action"] == "create"),
        "update_count": sum(1 for r in rows if r["action"] == "update"),
        "parsed": parsed,
    }


def people_import_apply(*, actor: Membership, people_import: PeopleImport) -> dict:
    """All or nothing: any row with an error means nothing is written.
    Idempotent on email: re-importing updates the same people."""
    require_role(actor, "manager")
    org = actor.organization
    return csv_import_apply(org=org, upload=people_import,
                            preview=lambda upload: people_import_preview(org=org, people_import=upload),
                            apply=lambda upload, preview: _people_apply(actor, upload, preview["parsed"]),
                            describe=_describe)


def _people_apply(actor: Membership, people_import: PeopleImport, parsed) -> dict:
    org = actor.organization
    columns = set(parsed.present_columns)
    rows = [r.values for r in parsed.rows]
    emails = [v["email"] for v in rows]
    existing = {m.email: m for m in Membership.objects.for_org(org).filter(email__in=emails).select_for_update()}
    simple = [c for c in ("display_name", "title", "team", "time_zone", "working_hours_start", "working_hours_end",
                          "hire_date", "role_start_date", "is_external", "hourly_rate", "currency")
              if c in columns or (c == "is_external" and "external" in columns)]
    created, updated = [], []
    for values in rows:
        member = existing.get(values["email"])
        if member is None:
            member = Membership(organization=org, email=values["email"], is_mentee=True)
            created.append(member)
        else:
            updated.append(member)
        for name in simple:
            if name in values:
                setattr(member, name, values[name] if values[name] is not None else
                        Membership._meta.get_field(name).get_default())
        if "roles" in values:
            for role in ROLES:
                setattr(member, f"is_{role}", role in values["roles"])
        if member.hourly_rate is not None and not member.currency:
            raise DomainError({"file": [f"{member.email}: a currency is required with an hourly rate."]})
        if member.working_hours_start >= member.working_hours_end:
            raise DomainError({"file": [f"{member.email}: working hours must end after they start."]})
    Membership.objects.for_org(org).bulk_create(created, batch_size=1000)
    update_fields = [c for c in simple] + [f"is_{role}" for role in ROLES] + ["updated_at"]
    now = timezone.now()
    for member in updated:
        member.updated_at = now
    Membership.objects.for_org(org).bulk_update(updated, update_fields, batch_size=1000)
    by_email = {m.email: m for m in created + updated}
    if "manager_email" in columns:
        managers = dict(Membership.objects.for_org(org).filter(
            email__in={v["manager_email"] for v in rows if v.get("manager_email")}).values_list("email", "id"))
        for values in rows:
            by_email[values["email"]].manager_id = managers.get(values.get("manager_email"))
        Membership.objects.for_org(org).bulk_update(list(by_email.values()), ["manager"], batch_size=1000)
        _check_no_manager_loops(org, list(by_email.values()))
    if "skills" in columns:
        skills = {s.slug: s for s in _skills_for(org, [name for v in rows for name in v.get("skills", [])])}
        through = Membership.skills.through
        through.objects.filter(membership_id__in=[m.pk for m in by_email.values()]).delete()
        links = []
        for values in rows:
            slugs = {Skill.normalise(name)[0] for name in values.get("skills", [])}
            links.extend(through(membership_id=by_email[values["email"]].pk, skill_id=skills[slug].pk)
                         for slug in slugs if slug)
        through.objects.bulk_create(links, batch_size=2000)
    if "work_items" in columns:
        _replace_work_items(org, list(by_email.values()),
                            {by_email[v["email"]].pk: v.get("work_items", []) for v in rows})
    people_import.status = PeopleImport.Status.APPLIED
    people_import.applied_at = now
    people_import.row_count = len(rows)
    people_import.created_count = len(created)
    people_import.updated_count = len(updated)
    people_import.save()
    audit_record(org=org, actor=actor, action=Action.PEOPLE_IMPORT, target=people_import,
                 after={"rows": len(rows), "created": len(created), "updated": len(updated),
                        "columns": sorted(columns)})
    return {"created": len(created), "updated": len(updated), "import": people_import}


def _check_no_manager_loops(org, members) -> None:
    manager_of = dict(Membership.objects.for_org(org).exclude(manager=None).values_list("id", "manager_id"))
    for member in members:
        seen = {member.pk}
        current = manager_of.get(member.pk)
        while current is not None:
            if current in seen:
                raise DomainError({"file": [f"{member.email}: the manager chain loops back to this person."]})
            seen.add(current)
            current = manager_of.get(current)


def _describe(error: dict) -> str:
    where = f"Line {error['row']}" if error["row"] else "File"
    field = f", {error['field']}" if error.get("field") else ""
    return f"{where}{field}: {error['message']}"
