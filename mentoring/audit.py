"""The audit log: who did what to whom, when, from where.

Services call ``audit_record`` inside their transaction, so an event exists
exactly when the change it describes was committed. Events are append-only
(``AuditEvent.save`` refuses updates, the queryset refuses update/delete, the
admin is read-only); the only sanctioned change is ``audit_redact_member``
when a person's data is erased.

The client IP comes from ``AuditContextMiddleware`` (a context variable), so
services keep taking no request object; it is the address allauth's rate
limits use (see TRUSTED_PROXY_COUNT in settings).
"""

from __future__ import annotations

import contextvars
import csv
import io

from django.db.models import Q

from .models import ApiToken, AuditEvent, Invitation, Membership, Organization, PeopleImport, User

Action = AuditEvent.Action
_client_ip: contextvars.ContextVar[str | None] = contextvars.ContextVar("audit_client_ip", default=None)


class AuditContextMiddleware:
    """Remembers the caller's IP for the audit events of this request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _client_ip.set(client_ip(request))
        try:
            return self.get_response(request)
        finally:
            _client_ip.reset(token)


def client_ip(request) -> str | None:
    """The same client IP allauth's rate limits use (TRUSTED_PROXY_COUNT /
    TRUSTED_CLIENT_IP_HEADER in settings); None when it is not an address."""
    from allauth.core.internal.httpkit import get_client_ip

    try:
        return get_client_ip(request)
    except Exception:  # a misconfigured proxy count must not break the request
        return None


def _describe(target) -> tuple[str, str, str]:
    """(type, id, label) of a model instance, or a (type, id, label) tuple as is."""
    if isinstance(target, tuple):
        kind, ident, label = target
        return kind, str(ident or ""), str(label or "")[:200]
    if isinstance(target, Membership):
        label = f"{target.display_name} <{target.email}>"
    elif isinstance(target, Invitation):
        label = target.email
    elif isinstance(target, Organization):
        label = target.name
    elif isinstance(target, ApiToken):
        label = f"{target.name} ({target.prefix}…)"
    elif isinstance(target, PeopleImport):
        label = target.filename or "people import"
    else:
        label = str(target)
    return target._meta.model_name, str(target.pk), label[:200]


def audit_record(*, org: Organization, actor: Membership | User | None, action: str, target,
                 before: dict | None = None, after: dict | None = None) -> AuditEvent:
    """Append one event. Call it inside the service's transaction."""
    membership = actor if isinstance(actor, Membership) else None
    if membership is not None:  # user_id, not user: no query to load the user
        user_id, actor_label = membership.user_id, f"{membership.display_name} <{membership.email}>"
    else:
        user_id, actor_label = getattr(actor, "pk", None), getattr(actor, "email", "system")
    target_type, target_id, target_label = _describe(target)
    return AuditEvent.objects.for_org(org).create(
        organization=org, actor_user_id=user_id, actor_membership=membership, actor_label=actor_label[:200],
        action=action, target_type=target_type, target_id=target_id, target_label=target_label,
        before=before, after=after, ip=_client_ip.get())


def audit_record_for_user(*, user: User, action: str, target, before=None, after=None) -> None:
    """A user-level change (an API token) reaches every org the user can act in:
    record it in each, so each org's managers see it."""
    for membership in Membership.unscoped.select_related("organization").filter(user=user, is_active=True):
        audit_record(org=membership.organization, actor=membership, action=action, target=target,
                     before=before, after=after)


def audit_redact_member(*, org: Organization, membership: Membership, replacement: str = "erased person") -> int:
    """Erase a person's name and email from the org's audit events (labels and
    before/after snapshots), keeping what was done and when. Returns rows changed."""
    events = AuditEvent.objects.for_org(org)
    as_actor = events.filter(actor_membership=membership).dangerously_redact(
        actor_label=replacement, actor_user=None, ip=None)
    as_target = events.filter(target_type="membership", target_id=str(membership.pk)).dangerously_redact(
        target_label=replacement)
    snapshots = 0
    needles = [value for value in (membership.email, membership.display_name) if value]
    # Other targets that name them (an invitation to their email) and their API tokens (named by them).
    if needles:
        named = Q()
        for needle in needles:
            named |= Q(target_label__icontains=needle)
        for event in events.filter(named).exclude(target_type="membership").only("id", "target_label"):
            snapshots += events.filter(pk=event.pk).dangerously_redact(
                target_label=_scrub(event.target_label, needles, replacement))
    if membership.user_id:
        token_ids = [str(pk) for pk in ApiToken.objects.filter(user_id=membership.user_id).values_list("pk", flat=True)]
        snapshots += events.filter(target_type="apitoken", target_id__in=token_ids).dangerously_redact(
            target_label=f"API token of {replacement}", before=None, after=None)
    if needles:
        touched = Q()
        for needle in needles:
            touched |= Q(before__icontains=needle) | Q(after__icontains=needle)
        for event in events.filter(touched).only("id", "before", "after"):
            snapshots += events.filter(pk=event.pk).dangerously_redact(
                before=_scrub(event.before, needles, replacement), after=_scrub(event.after, needles, replacement))
    return as_actor + as_target + snapshots


def _scrub(value, needles, replacement):
    if isinstance(value, dict):
        return {key: _scrub(item, needles, replacement) for key, item in value.items()}
    if isinstance(value, list):
        return [_scrub(item, needles, replacement) for item in value]
    if isinstance(value, str):
        for needle in needles:
            value = value.replace(needle, replacement)
    return value


# --- Reading -------------------------------------------------------------------------

def audit_events(*, org: Organization, action: str = ""):
    events = AuditEvent.objects.for_org(org)
    if action:
        events = events.filter(action=action)
    return events


CSV_COLUMNS = ("at", "actor", "action", "target_type", "target_id", "target", "before", "after", "ip")


def audit_csv(events) -> str:
    import json

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for event in events.iterator(chunk_size=2000):
        writer.writerow([event.at.isoformat(), _cell(event.actor_label), event.action, event.target_type,
                         event.target_id, _cell(event.target_label),
                         _cell(json.dumps(event.before, default=str)) if event.before is not None else "",
                         _cell(json.dumps(event.after, default=str)) if event.after is not None else "",
                         event.ip or ""])
    return out.getvalue()


def _cell(text: str) -> str:
    """Spreadsheets run cells starting with = + - @ as formulas (CSV injection)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def audit_export(*, actor: Membership, action: str = "") -> str:
    """The org's audit log as CSV (managers); the export is itself an event."""
    from django.db import transaction

    from .services import require_role

    require_role(actor, "manager")
    org = actor.organization
    with transaction.atomic():
        events = audit_events(org=org, action=action)
        rows = events.count()
        body = audit_csv(events)
        audit_record(org=org, actor=actor, action=Action.AUDIT_EXPORT, target=org,
                     after={"rows": rows, "action_filter": action or None})
    return body
