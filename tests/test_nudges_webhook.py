"""The organisation's outbound webhook, against a real local HTTP server
(http.server in a thread) that verifies the HMAC-SHA256 signature the way a
receiver would: signed bodies arrive once; a failing endpoint is retried with
back-off, then marked failed and shown to managers, who can send it again."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone

from mentoring.models import AuditEvent
from sessions_app.models import OrgWebhook, WebhookDelivery
from sessions_app.services import webhooks
from sessions_app.tasks_nudges import deliver_webhook


class Receiver:
    """A webhook receiver: answers ``status`` to posts whose signature verifies, 401 to the others."""

    def __init__(self, status: int = 200):
        self.status, self.secret, self.received = status, "", []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                expected = "sha256=" + hmac.new(receiver.secret.encode(), body, hashlib.sha256).hexdigest()
                verified = hmac.compare_digest(expected, self.headers.get("X-Touchpoint-Signature", ""))
                receiver.received.append((body, verified, self.headers.get("X-Touchpoint-Event")))
                self.send_response(receiver.status if verified else 401)
                self.end_headers()
                self.wfile.write(b"ok" if verified else b"bad signature")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.close()


def hook_to(manager, receiver) -> WebhookDelivery:
    """The manager sets the webhook (the receiver learns the secret shown once) and sends a test post."""
    _, secret = webhooks.webhook_set(actor=manager, url=receiver.url)
    receiver.secret = secret
    return webhooks.webhook_test(actor=manager)


def reloaded(delivery) -> WebhookDelivery:
    return WebhookDelivery.objects.for_org(delivery.organization).get(pk=delivery.pk)


def test_a_post_arrives_once_with_a_body_that_verifies_with_the_orgs_secret(org_a, manager, receiver):
    delivery = hook_to(manager, receiver)

    outcomes = [webhooks.webhook_deliver(delivery_id=delivery.pk), webhooks.webhook_deliver(delivery_id=delivery.pk)]

    ((body, verified, event),) = receiver.received
    assert outcomes == [("sent", 0), ("skipped", 0)]
    assert verified and event == "test"
    assert set(json.loads(body)) == {"text", "blocks"}
    assert webhooks.webhook_verify(receiver.secret, body, webhooks.webhook_signature(receiver.secret, body))
    assert (reloaded(delivery).status, reloaded(delivery).response_status) == ("sent", 200)


def test_a_receiver_holding_another_secret_refuses_the_post_and_it_is_retried(org_a, manager, receiver):
    delivery = hook_to(manager, receiver)
    receiver.secret = "not-the-orgs-secret"

    outcome = webhooks.webhook_deliver(delivery_id=delivery.pk)

    assert outcome == ("retrying", 60.0)
    assert reloaded(delivery).last_error.startswith("RuntimeError: HTTP 401")


def test_a_failing_endpoint_is_retried_with_back_off_then_marked_failed(org_a, manager):
    failing = Receiver(status=500)
    try:
        delivery = hook_to(manager, failing)
        now, outcomes, too_early = timezone.now() + timedelta(seconds=1), [], []
        for _ in range(webhooks.MAX_ATTEMPTS):
            outcomes.append(webhooks.webhook_deliver(delivery_id=delivery.pk, now=now))
            now += timedelta(seconds=outcomes[-1][1])
            too_early.append(webhooks.webhook_deliver(delivery_id=delivery.pk, now=now - timedelta(seconds=1)))
        after = webhooks.webhook_deliver(delivery_id=delivery.pk, now=now + timedelta(days=1))
    finally:
        failing.close()

    # Back-off 1, 2, 4, 8 minutes; a try before the moment does not count; the 5th failure is final.
    assert outcomes == [("retrying", 60.0), ("retrying", 120.0), ("retrying", 240.0), ("retrying", 480.0),
                        ("failed", 0)]
    assert set(too_early) == {("skipped", 0)} and after == ("skipped", 0)
    assert len(failing.received) == webhooks.MAX_ATTEMPTS
    failed = reloaded(delivery)
    assert (failed.status, failed.attempts, failed.response_status) == ("failed", 5, 500)
    assert failed.last_error.startswith("RuntimeError: HTTP 500")


def test_a_manager_sends_a_failed_post_again_from_the_page(org_a, manager, receiver, client_for):
    delivery = hook_to(manager, receiver)
    WebhookDelivery.objects.for_org(org_a).filter(pk=delivery.pk).update(status="failed", attempts=5)

    page = client_for(manager).get("/o/acme/webhook/")
    response = client_for(manager).post(f"/o/acme/webhook/deliveries/{delivery.pk}/retry/")
    outcome = webhooks.webhook_deliver(delivery_id=delivery.pk)

    assert f"/o/acme/webhook/deliveries/{delivery.pk}/retry/" in page.content.decode()
    assert response.status_code == 302
    assert outcome == ("sent", 0) and reloaded(delivery).attempts == 1


def test_the_celery_task_delivers_through_the_same_claim(org_a, manager, receiver):
    delivery = hook_to(manager, receiver)

    deliver_webhook.apply(args=[str(delivery.pk)])
    deliver_webhook.apply(args=[str(delivery.pk)])

    assert len(receiver.received) == 1 and reloaded(delivery).status == "sent"


def test_private_addresses_are_refused_unless_allowed(org_a, manager, receiver, settings):
    delivery = hook_to(manager, receiver)
    settings.WEBHOOK_ALLOW_PRIVATE = False

    outcome = webhooks.webhook_deliver(delivery_id=delivery.pk)

    assert outcome[0] == "retrying" and receiver.received == []
    assert "private address" in reloaded(delivery).last_error


def test_without_private_addresses_allowed_the_webhook_must_be_https(org_a, manager, settings):
    settings.WEBHOOK_ALLOW_PRIVATE = False

    response_error = None
    try:
        webhooks.webhook_set(actor=manager, url="http://hooks.example.test/x")
    except Exception as error:  # noqa: BLE001 - the DomainError's message is what the page shows
        response_error = str(error)

    assert response_error is not None and "https://" in response_error
    assert not OrgWebhook.objects.for_org(org_a).exists()


def test_the_secret_is_shown_once_then_masked_and_the_change_is_audited(org_a, manager, mentor, client_for):
    client = client_for(manager)

    saved = client.post("/o/acme/webhook/", {"url": "https://hooks.example.test/acme", "enabled": "1"})
    later = client.get("/o/acme/webhook/")
    rotated = client.post("/o/acme/webhook/rotate/")
    mentor_page = client_for(mentor).get("/o/acme/webhook/")

    hook = OrgWebhook.objects.for_org(org_a).get()
    assert saved.context["new_secret"] and saved.context["new_secret"] in saved.content.decode()
    assert rotated.context["new_secret"] == hook.secret != saved.context["new_secret"]
    assert hook.secret not in later.content.decode() and hook.masked_secret not in ("", hook.secret)
    assert mentor_page.status_code == 403
    assert list(AuditEvent.objects.for_org(org_a).filter(action__startswith="webhook.")
                .order_by("at").values_list("action", flat=True)) == ["webhook.update", "webhook.rotate_secret"]
