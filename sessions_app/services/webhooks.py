"""The organisation's optional outbound webhook: Slack-compatible JSON
(``{"text": …, "blocks": […]}``) signed with HMAC-SHA256 under the org's secret.

Header ``X-Touchpoint-Signature: sha256=<hex HMAC-SHA256 of the raw body>``;
receivers verify it with the secret shown once to the manager (docs/nudges.md).

Exactly once, as nudges: one ``WebhookDelivery`` per (event, subject, period)
under a unique constraint; a worker claims it with a compare-and-swap inside
the transaction that marks it sent, so a killed worker leaves it claimable. A
failed post is recorded (attempts, error, HTTP status) and retried with
back-off (1, 2, 4, 8 minutes), then marked failed and shown to managers.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import logging
import secrets
import socket
from datetime import datetime, timedelta
from urllib.parse import urlparse

import requests
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from mentoring.audit import Action, audit_record
from mentoring.errors import DomainError, NotPermitted
from mentoring.models import Membership, Organization

from ..models import OrgWebhook, WebhookDelivery

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Touchpoint-Signature"
EVENT_HEADER = "X-Touchpoint-Event"
MAX_ATTEMPTS = 5
RETRY_BASE = timedelta(minutes=1)  # 1, 2, 4, 8 minutes between attempts
TIMEOUT = (5, 10)  # connect, read seconds
DELIVER_LIMIT = 500
Status = WebhookDelivery.Status


def webhook_signature(secret: str, body: bytes) -> str:
    """The header value: ``sha256=`` + hex HMAC-SHA256 of the exact body bytes."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def webhook_verify(secret: str, body: bytes, header: str) -> bool:
    """What a receiver does (constant-time compare); used by our tests too."""
    return hmac.compare_digest(webhook_signature(secret, body), header or "")


def slack_body(text: str, blocks: list[dict]) -> str:
    return json.dumps({"text": text, "blocks": blocks}, ensure_ascii=False, separators=(",", ":"))


# --- Managers' settings ---------------------------------------------------------------------------

def _require_manager(actor: Membership) -> None:
    if actor is None or not actor.is_active or not actor.is_manager:
        raise NotPermitted("Only program managers change the organisation's webhook.")


def _check_url(url: str) -> str:
    url = (url or "").strip()
    parsed = urlparse(url)
    if parsed.scheme not in ("https", "http") or not parsed.hostname:
        raise DomainError("Give the full address of the webhook, starting with https://.", field="url")
    if parsed.scheme == "http" and not settings.WEBHOOK_ALLOW_PRIVATE:
        raise DomainError("The webhook address must start with https://.", field="url")
    if len(url) > 500:
        raise DomainError("That address is too long (500 characters at most).", field="url")
    return url


@transaction.atomic
def webhook_set(*, actor: Membership, url: str, enabled: bool = True) -> tuple[OrgWebhook, str | None]:
    """Create or change the webhook; returns (webhook, the new secret when one
    was made — shown once, masked afterwards)."""
    _require_manager(actor)
    org, url = actor.organization, _check_url(url)
    hook = OrgWebhook.objects.for_org(org).select_for_update().filter().first()
    new_secret = None
    before = {"url": hook.url, "enabled": hook.enabled} if hook else None
    if hook is None:
        new_secret = secrets.token_urlsafe(32)
        hook = OrgWebhook(organization=org, secret=new_secret)
    hook.url, hook.enabled = url, bool(enabled)
    hook.save()
    audit_record(org=org, actor=actor, action=Action.WEBHOOK_UPDATE, target=("webhook", hook.pk, url),
                 before=before, after={"url": url, "enabled": hook.enabled, "secret_created": bool(new_secret)})
    return hook, new_secret


@transaction.atomic
def webhook_rotate_secret(*, actor: Membership) -> str:
    """A new secret at once (the old one stops verifying); returned to show once."""
    _require_manager(actor)
    hook = OrgWebhook.objects.for_org(actor.organization).select_for_update().first()
    if hook is None:
        raise DomainError("Set the webhook's address first.", field="url")
    hook.secret = secrets.token_urlsafe(32)
    hook.save(update_fields=["secret", "updated_at"])
    audit_record(org=actor.organization, actor=actor, action=Action.WEBHOOK_ROTATE_SECRET,
                 target=("webhook", hook.pk, hook.url))
    return hook.secret


def webhook_test(*, actor: Membership, now: datetime | None = None) -> WebhookDelivery:
    """A test post the manager can watch arrive (and fail, visibly)."""
    _require_manager(actor)
    now = now or timezone.now()
    org = actor.organization
    hook = OrgWebhook.objects.for_org(org).first()
    if hook is None:
        raise DomainError("Set the webhook's address first.", field="url")
    text = f"Touchpoint test message for {org.name}: the webhook works."
    body = slack_body(text, [{"type": "section", "text": {"type": "mrkdwn", "text": text}}])
    delivery = webhook_enqueue(org=org, event="test", subject_id=hook.pk, period=now.isoformat(), body=body,
                               now=now, even_if_disabled=True)
    if delivery is None:
        raise DomainError("Could not queue the test message.")
    return delivery


# --- Queueing and delivery -------------------------------------------------------------------------

@transaction.atomic
def webhook_enqueue(*, org: Organization, event: str, subject_id, period: str, body: str,
                    now: datetime | None = None, even_if_disabled: bool = False) -> WebhookDelivery | None:
    """One delivery per (event, subject, period); None when the org has no
    (enabled) webhook. Enqueued after commit."""
    hook = OrgWebhook.objects.for_org(org).first()
    if hook is None or not (hook.enabled or even_if_disabled):
        return None
    delivery, created = WebhookDelivery.objects.for_org(org).get_or_create(
        event=event, subject_id=subject_id, period=period,
        defaults={"organization": org, "body": body, "next_attempt_at": now or timezone.now()})
    if created:
        from mentoring.outbox import enqueue_on_commit

        from ..tasks_nudges import deliver_webhook

        enqueue_on_commit(deliver_webhook, str(delivery.pk))  # kept in the outbox if Redis is down
    return delivery


def webhooks_due(*, now: datetime | None = None, limit: int = DELIVER_LIMIT) -> list[str]:
    """Ids of pending deliveries whose moment has come, across orgs (the beat's safety net)."""
    now = now or timezone.now()
    return [str(pk) for pk in WebhookDelivery.unscoped.filter(status=Status.PENDING, next_attempt_at__lte=now)
            .order_by("next_attempt_at").values_list("pk", flat=True)[:limit]]


def webhook_deliver(*, delivery_id, now: datetime | None = None) -> tuple[str, float]:
    """One attempt: ("sent" | "skipped" | "gone" | "retrying" | "failed", seconds until the next attempt)."""
    now = now or timezone.now()
    delivery = WebhookDelivery.unscoped.select_related("organization").filter(pk=delivery_id).first()
    if delivery is None:
        return "gone", 0
    org = delivery.organization
    deliveries = WebhookDelivery.objects.for_org(org).filter(pk=delivery.pk)
    response_status = None
    try:
        with transaction.atomic():
            claimed = deliveries.filter(status=Status.PENDING, next_attempt_at__lte=now) \
                .update(status=Status.SENDING) == 1
            if not claimed:
                return "skipped", 0
            hook = OrgWebhook.objects.for_org(org).first()
            if hook is None:
                raise RuntimeError("the webhook was removed")
            body = delivery.body.encode()
            _refuse_private(hook.url)
            response = requests.post(hook.url, data=body, timeout=TIMEOUT, allow_redirects=False, headers={
                "Content-Type": "application/json", SIGNATURE_HEADER: webhook_signature(hook.secret, body),
                EVENT_HEADER: delivery.event, "User-Agent": "Touchpoint-Webhook/1"})
            response_status = response.status_code
            if not 200 <= response.status_code < 300:
                raise RuntimeError(f"HTTP {response.status_code}: {response.text[:200]}")
            deliveries.update(status=Status.SENT, sent_at=now, attempts=delivery.attempts + 1,
                              response_status=response_status, last_error="")
            return "sent", 0
    except Exception as error:  # the post failed: record it, retry later
        logger.warning("Webhook delivery %s failed: %s", delivery.pk, error)
        attempts = delivery.attempts + 1
        failed = attempts >= MAX_ATTEMPTS
        wait = RETRY_BASE * 2 ** (attempts - 1)
        deliveries.filter(status=Status.PENDING, attempts=delivery.attempts).update(
            attempts=attempts, last_error=f"{type(error).__name__}: {error}"[:2000], response_status=response_status,
            next_attempt_at=now + wait, status=Status.FAILED if failed else Status.PENDING)
        return ("failed", 0) if failed else ("retrying", wait.total_seconds())


def _refuse_private(url: str) -> None:
    """No posts to the server's own network (SSRF) unless WEBHOOK_ALLOW_PRIVATE."""
    if settings.WEBHOOK_ALLOW_PRIVATE:
        return
    host = urlparse(url).hostname or ""
    for info in socket.getaddrinfo(host, None):
        address = ipaddress.ip_address(info[4][0])
        if address.is_private or address.is_loopback or address.is_link_local or address.is_reserved:
            raise RuntimeError(f"refused: {host} resolves to a private address")


def webhook_delivery_retry(*, actor: Membership, delivery_id, now: datetime | None = None) -> int:
    """Managers send a failed delivery again (a fresh round of attempts)."""
    _require_manager(actor)
    now = now or timezone.now()
    with transaction.atomic():
        changed = WebhookDelivery.objects.for_org(actor.organization).filter(
            pk=delivery_id, status=Status.FAILED).update(status=Status.PENDING, attempts=0, next_attempt_at=now)
        if changed:
            from mentoring.outbox import enqueue_on_commit

            from ..tasks_nudges import deliver_webhook

            enqueue_on_commit(deliver_webhook, str(delivery_id))
    return changed
