"""Every write of the core domain that has rules: one function per use case,
transactional, validating, raising domain errors (``mentoring.errors``)."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from . import csv_import, people_csv, selectors
from .audit import Action, audit_record, audit_record_for_user
from .errors import Conflict, DomainError, NotPermitted
from .mfa import has_mfa, tokens_refused_without_mfa
from .models import (ROLES, ApiToken, Invitation, Membership, Organization, PeopleImport,
                     Skill, User, WorkItem)
from .services_imports import csv_import_apply

logger = logging.getLogger(__name__)
INVITATION_LIFETIME = timedelta(days=14)
POLICY_FIELDS = ("name", "time_zone", "session_min_minutes", "session_max_minutes", "mentee_weekly_cap",
                 "mentor_weekly_cap", "cohort_ratio", "k_anonymity", "timebank_starting_grant",
                 "require_mfa_for_staff")
PROFILE_FIELDS = ("display_name", "title", "team", "time_zone", "working_hours_start", "working_hours_end",
                  "hire_date", "role_start_date", "is_external", "hourly_rate", "currency")


def require_role(membership: Membership, *roles: str) -> None:
    if membership is None or not membership.is_active or not membership.has_role(*roles):
        raise NotPermitted(f"This needs the {' or '.join(roles)} role.")


def _full_clean(obj, exclude=None) -> None:
    try:
        obj.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        raise DomainError(exc.message_dict) from None


# --- Organisation policy -------------------------------------------------------

@transaction.atomic
def org_policy_update(*, actor: Membership, org: Organization, **changes) -> Organization:
    require_role(actor, "manager")
    unknown = set(changes) - set(POLICY_FIELDS)
    if unknown:
        raise DomainError(f"Not a policy setting: {', '.join(sorted(unknown))}.")
    org = Organization.objects.select_for_update().get(pk=org.pk)
    if changes.get("require_mfa_for_staff") and not org.require_mfa_for_staff and not has_mfa(actor.user):
        # Turning it on would lock the manager out at once: they set up theirs first.
        raise DomainError("Turn on two-factor authentication for your own account first.",
                          field="require_mfa_for_staff")
    before = {name: getattr(org, name) for name in changes}
    for name, value in changes.items():
        setattr(org, name, value)
    _full_clean(org, exclude=["slug"])
    org.save()
    after = {name: getattr(org, name) for name in changes}
    changed = [name for name in changes if before[name] != after[name]]
    if changed:
        audit_record(org=org, actor=actor, action=Action.POLICY_UPDATE, target=org,
                     before={name: before[name] for name in changed}, after={name: after[name] for name in changed})
    return org


# --- Invitations -----------------------------------------------------------------

def _roles_kwargs(roles) -> dict:
    roles = set(roles or [])
    bad = roles - set(ROLES)
    if bad:
        raise DomainError(f"Unknown role(s): {', '.join(sorted(bad))}.", field="roles")
    if not roles:
        raise DomainError("Pick at least one role.", field="roles")
    return {f"is_{role}": role in roles for role in ROLES}


def invitation_url(invitation: Invitation) -> str:
    return settings.SITE_URL + reverse("invitation_accept", args=[invitation.token])


@transaction.atomic
def invitation_create(*, actor: Membership, email: str, roles) -> Invitation:
    require_role(actor, "manager")
    org = actor.organization
    email = User.objects.normalize_email(email or "").strip().lower()
    try:
        from django.core.validators import validate_email
        validate_email(email)
    except ValidationError:
        raise DomainError("Enter a valid email address.", field="email") from None
    if Membership.objects.for_org(org).filter(email=email, user__isnull=False, is_active=True).exists():
        raise Conflict(f"{email} is already a member of {org.name}.", field="email")
    role_flags = _roles_kwargs(roles)
    # A fresh invitation replaces an open one (e.g. re-sent after expiry).
    Invitation.objects.for_org(org).filter(email=email, accepted_at=None, revoked_at=None) \
        .update(revoked_at=timezone.now())
    invitation = Invitation.objects.for_org(org).create(
        organization=org, email=email, invited_by=actor.user,
        expires_at=timezone.now() + INVITATION_LIFETIME, **role_flags)
    audit_record(org=org, actor=actor, action=Action.INVITATION_CREATE, target=invitation,
                 after={"email": email, "roles": invitation.roles, "expires_at": invitation.expires_at})
    transaction.on_commit(lambda: _send_invitation_email(invitation))
    return invitation


def _send_invitation_email(invitation: Invitation) -> None:
    """Sent after commit; a mail server failure must not undo the invitation
    (the manager can re-send it), so it is logged rather than raised."""
    context = {"invitation": invitation, "org": invitation.organization, "url": invitation_url(invitation),
               "inviter": invitation.invited_by}
    try:
        _send_mail(context, invitation)
    except Exception:  # SMTP errors come in many classes
        logger.exception("Could not send the invitation email to %s", invitation.email)


def _send_mail(context, invitation) -> None:
    send_mail(
        subject=f"[Touchpoint] You are invited to {invitation.organization.name}",
        message=render_to_string("emails/invitation.txt", context),
        html_message=render_to_string("emails/invitation.html", context),
        from_email=None, recipient_list=[invitation.email])


@transaction.atomic
def invitation_revoke(*, actor: Membership, invitation: Invitation) -> Invitation:
    require_role(actor, "manager")
    updated = Invitation.objects.for_org(actor.organization).filter(
        pk=invitation.pk, accepted_at=None, revoked_at=None).update(revoked_at=timezone.now())
    if not updated:
        raise Conflict("This invitation is no longer open.")
    invitation.refresh_from_db()
    audit_record(org=actor.organization, actor=actor, action=Action.INVITATION_REVOKE, target=invitation,
                 before={"status": "pending"}, after={"status": "revoked"})
    return invitation


def invitation_open(token: str) -> Invitation | None:
    """The pending invitation with this token, or None (unknown, used, expired)."""
    invitation = Invitation.unscoped.select_related("organization").filter(token=token).first()
    if invitation is None or invitation.status != "pending":
        return None
    return invitation


@transaction.atomic
def invitation_accept(*, token: str, user: User) -> Membership:
    invitation = Invitation.unscoped.select_for_update().select_related("organization").filter(token=token).first()
    if invitation is None or invitation.status != "pending":
        raise DomainError("This invitation link is no longer valid. Ask your program manager for a new one.")
    if invitation.email.lower() != user.email.lower():
        raise DomainError(f"This invitation is for {invitation.email}; you are signed in as {user.email}.")
    org = invitation.organization
    membership = Membership.objects.for_org(org).select_for_update().filter(email=invitation.email).first()
    before = None if membership is None else {"roles": membership.roles, "is_active": membership.is_active,
                                              "has_account": membership.user_id is not None}
    if membership is None:
        membership = Membership(organization=org, email=invitation.email,
                                display_name=user.get_full_name() or invitation.email.split("@")[0])
    membership.user = user
    membership.is_active = True
    membership.deactivated_at = None
    for role in invitation.roles:
        setattr(membership, f"is_{role}", True)
    membership.save()
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    audit_record(org=org, actor=membership, action=Action.INVITATION_ACCEPT, target=membership, before=before,
                 after={"roles": membership.roles, "is_active": True, "has_account": True,
                        "invitation": str(invitation.pk)})
    return membership


# --- Memberships -------------------------------------------------------------------

@transaction.atomic
def membership_set_roles(*, actor: Membership, membership: Membership, roles) -> Membership:
    require_role(actor, "manager")
    flags = _roles_kwargs(roles)
    membership = Membership.objects.for_org(actor.organization).select_for_update().get(pk=membership.pk)
    if membership.pk == actor.pk and not flags["is_manager"]:
        _ensure_another_manager(membership)
    before = membership.roles
    for name, value in flags.items():
        setattr(membership, name, value)
    membership.save()
    if membership.roles != before:
        audit_record(org=actor.organization, actor=actor, action=Action.MEMBERSHIP_ROLES, target=membership,
                     before={"roles": before}, after={"roles": membership.roles})
    return membership


def _ensure_another_manager(membership: Membership) -> None:
    others = Membership.objects.for_org(membership.organization).active().with_role("manager") \
        .exclude(pk=membership.pk).select_for_update()
    if not others.exists():
        raise Conflict("An organisation needs at least one active program manager.")


@transaction.atomic
def membership_deactivate(*, actor: Membership, membership: Membership) -> Membership:
    require_role(actor, "manager")
    membership = Membership.objects.for_org(actor.organization).select_for_update().get(pk=membership.pk)
    if not membership.is_active:
        return membership
    if membership.is_manager:
        _ensure_another_manager(membership)
    membership.is_active = False
    membership.deactivated_at = timezone.now()
    membership.save(update_fields=["is_active", "deactivated_at", "updated_at"])
    audit_record(org=actor.organization, actor=actor, action=Action.MEMBERSHIP_DEACTIVATE, target=membership,
                 before={"is_active": True}, after={"is_active": False})
    return membership


@transaction.atomic
def membership_reactivate(*, actor: Membership, membership: Membership) -> Membership:
    require_role(actor, "manager")
    reactivated = Membership.objects.for_org(actor.organization).filter(pk=membership.pk, is_active=False).update(
        is_active=True, deactivated_at=None, updated_at=timezone.now())
    membership.refresh_from_db()
    if reactivated:
        audit_record(org=actor.organization, actor=actor, action=Action.MEMBERSHIP_REACTIVATE, target=membership,
                     before={"is_active": False}, after={"is_active": True})
    return membership


# --- People profiles --------------------------------------------------------------

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


# --- People import -------------------------------------------------------------------

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


# --- API tokens ------------------------------------------------------------------------

def token_issue(*, user: User, name: str = "API token") -> tuple[ApiToken, str]:
    """Create a personal token; the raw value is returned once and never stored."""
    name = (name or "").strip() or "API token"
    if len(name) > 80:
        raise DomainError("At most 80 characters.", field="name")
    refused = tokens_refused_without_mfa(user)
    if refused:
        raise NotPermitted(refused)
    raw = ApiToken.generate()
    with transaction.atomic():
        token = ApiToken.objects.create(user=user, name=name, prefix=raw[:10], digest=ApiToken.hash(raw))
        audit_record_for_user(user=user, action=Action.TOKEN_CREATE, target=token, after={"name": name})
    return token, raw


@transaction.atomic
def token_revoke(*, user: User, token: ApiToken) -> ApiToken:
    if token.user_id != user.pk:
        raise DomainError("No such token.")
    revoked = ApiToken.objects.filter(pk=token.pk, revoked_at=None).update(revoked_at=timezone.now())
    token.refresh_from_db()
    if revoked:
        audit_record_for_user(user=user, action=Action.TOKEN_REVOKE, target=token,
                              before={"revoked": False}, after={"revoked": True})
    return token


# --- Exports -----------------------------------------------------------------------------------------

def people_export(*, actor: Membership) -> str:
    """The org's people as CSV (program managers); every export is audited."""
    require_role(actor, "manager")
    org = actor.organization
    people = list(selectors.people_for_export(org))
    audit_record(org=org, actor=actor, action=Action.PEOPLE_EXPORT, target=org,
                 after={"rows": len(people), "format": "csv"})
    return people_csv.render(people)


# --- Organisation creation (seed and admin) -------------------------------------------------

@transaction.atomic
def organization_create(*, slug: str, name: str, time_zone: str = "UTC", first_manager: User | None = None,
                        manager_name: str = "") -> Organization:
    org = Organization(slug=slug, name=name, time_zone=time_zone)
    _full_clean(org)
    try:
        with transaction.atomic():
            org.save()
    except IntegrityError:
        raise Conflict(f"The address “{slug}” is taken.", field="slug") from None
    if first_manager is not None:
        Membership.objects.for_org(org).create(
            organization=org, user=first_manager, email=first_manager.email, is_manager=True,
            display_name=manager_name or first_manager.get_full_name() or first_manager.email.split("@")[0])
    return org
