"""Data rights: a member exports their own data; a program manager erases (anonymises) a person.

Both are built from a registry so every area adds its own part: an app registers

- ``@collector("section")`` — ``fn(membership) -> JSON-able``: that area's data of the person, one
  section of the export;
- ``@eraser("name")`` — ``fn(membership) -> int``: erase that area's personal data of the person
  (inside the erasure's transaction, *before* the core blanks the name and email); returns rows touched.

The core registers its own below; sessions_app registers in ``sessions_app/data_rights.py`` (imported by
its AppConfig.ready). Erasure keeps the rows other people need (sessions, their next steps, counts on
dashboards) and blanks what is about the person.
"""

from __future__ import annotations

import json
import uuid
from typing import Any, Callable

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from .audit import Action, audit_record, audit_redact_member
from .errors import Conflict
from .models import ApiToken, Invitation, Membership, PeopleImport, Skill, WorkItem
from .services import require_role

FORMER_MEMBER = "Former member"
EXPORT_FORMAT = "touchpoint-member-export/1"

_collectors: dict[str, Callable[[Membership], Any]] = {}
_erasers: dict[str, Callable[[Membership], int]] = {}


def collector(section: str):
    def register(fn):
        _collectors[section] = fn
        return fn
    return register


def eraser(name: str):
    def register(fn):
        _erasers[name] = fn
        return fn
    return register


def collectors() -> dict[str, Callable]:
    return dict(_collectors)


# --- Use cases ---------------------------------------------------------------------------------------

@transaction.atomic
def member_data_export(*, actor: Membership) -> dict:
    """Everything Touchpoint holds about the caller in this organisation (and their account)."""
    if not actor.is_active:
        raise Conflict("This membership is not active.")
    data = {"format": EXPORT_FORMAT, "exported_at": timezone.now(),
            "organization": {"slug": actor.organization.slug, "name": actor.organization.name}}
    for section, collect in _collectors.items():
        data[section] = collect(actor)
    audit_record(org=actor.organization, actor=actor, action=Action.DATA_EXPORT, target=actor,
                 after={"sections": sorted(_collectors)})
    # Round-trip through JSON so callers get plain types (dates as ISO strings, decimals as strings).
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))


@transaction.atomic
def member_erase(*, actor: Membership, membership: Membership) -> Membership:
    """Anonymise a person of the org: personal data erased, rows others need kept. One transaction."""
    require_role(actor, "manager")
    org = actor.organization
    membership = Membership.objects.for_org(org).select_for_update().get(pk=membership.pk)
    if membership.pk == actor.pk:
        raise Conflict("You cannot erase yourself: ask another program manager.")
    if membership.display_name == FORMER_MEMBER and membership.user_id is None and not membership.is_active:
        raise Conflict("This person's data was erased already.")
    counts = {name: erase(membership) for name, erase in _erasers.items()}
    counts["audit_events"] = audit_redact_member(org=org, membership=membership, replacement=FORMER_MEMBER)
    _erase_core(membership)
    audit_record(org=org, actor=actor, action=Action.MEMBER_ERASE, target=membership, after={"rows": counts})
    return membership


def _erase_core(membership: Membership) -> None:
    user = membership.user
    placeholder = f"erased-{uuid.uuid4().hex}@erased.invalid"
    membership.display_name = FORMER_MEMBER
    membership.email = placeholder
    membership.user = None
    membership.title = membership.team = membership.currency = ""
    membership.hire_date = membership.role_start_date = membership.hourly_rate = None
    membership.manager = None
    membership.is_external = False
    membership.time_zone = "UTC"
    membership.is_active = False
    membership.deactivated_at = membership.deactivated_at or timezone.now()
    membership.save()
    if user is not None and not Membership.unscoped.filter(user=user).exists():
        # No other organisation knows them: the account goes (email addresses, MFA, tokens cascade).
        user.delete()
    elif user is not None:
        ApiToken.objects.filter(user=user, revoked_at=None).update(revoked_at=timezone.now())


# --- The core's own parts ---------------------------------------------------------------------------------

@collector("account")
def _account(membership: Membership) -> dict | None:
    user = membership.user
    if user is None:
        return None
    return {"email": user.email, "first_name": user.first_name, "last_name": user.last_name,
            "date_joined": user.date_joined, "last_login": user.last_login,
            "api_tokens": [{"name": t.name, "prefix": t.prefix, "created_at": t.created_at,
                            "last_used_at": t.last_used_at, "revoked_at": t.revoked_at}
                           for t in ApiToken.objects.filter(user=user).order_by("created_at")]}


@collector("memberships")
def _memberships(membership: Membership) -> list[dict]:
    rows = (Membership.unscoped.filter(user=membership.user) if membership.user_id
            else Membership.unscoped.filter(pk=membership.pk))
    return [{"organization": m.organization.name, "slug": m.organization.slug, "roles": m.roles,
             "is_active": m.is_active, "created_at": m.created_at}
            for m in rows.select_related("organization").order_by("created_at")]


@collector("profile")
def _profile(membership: Membership) -> dict:
    m = membership
    return {"display_name": m.display_name, "email": m.email, "title": m.title, "team": m.team,
            "manager": m.manager.display_name if m.manager_id else None, "time_zone": m.time_zone,
            "working_hours": [m.working_hours_start, m.working_hours_end], "hire_date": m.hire_date,
            "role_start_date": m.role_start_date, "is_external": m.is_external, "hourly_rate": m.hourly_rate,
            "currency": m.currency, "skills": sorted(m.skills.values_list("name", flat=True)),
            "work_items": [{"name": w.name, "url": w.url}
                           for w in WorkItem.objects.for_org(m.organization).filter(membership=m).order_by("name")]}


@eraser("skills_and_work_items")
def _erase_profile_lists(membership: Membership) -> int:
    org = membership.organization
    skill_ids = list(membership.skills.values_list("pk", flat=True))
    membership.skills.clear()
    # A skill nobody else has would still name what they were learning: it goes too.
    Skill.objects.for_org(org).filter(pk__in=skill_ids, members__isnull=True).delete()
    deleted, _ = WorkItem.objects.for_org(org).filter(membership=membership).delete()
    return len(skill_ids) + deleted


@eraser("invitations")
def _erase_invitations(membership: Membership) -> int:
    deleted, _ = Invitation.objects.for_org(membership.organization).filter(email__iexact=membership.email).delete()
    return deleted


@eraser("api_tokens")
def _revoke_tokens(membership: Membership) -> int:
    if membership.user_id is None:
        return 0
    return ApiToken.objects.filter(user_id=membership.user_id, revoked_at=None).update(revoked_at=timezone.now())


@eraser("people_imports")
def _erase_from_imports(membership: Membership) -> int:
    """Uploaded CSVs kept for their preview still name the person: replace them there too."""
    touched = 0
    needles = [value for value in (membership.email, membership.display_name) if value]
    for people_import in PeopleImport.objects.for_org(membership.organization).filter(content__icontains=needles[0]):
        content = people_import.content
        for needle in needles:
            content = content.replace(needle, FORMER_MEMBER)
        PeopleImport.objects.for_org(membership.organization).filter(pk=people_import.pk).update(content=content)
        touched += 1
    return touched
