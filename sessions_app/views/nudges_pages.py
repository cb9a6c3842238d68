"""Pages of the second part of nudges: booking a suggested slot in one POST,
the weekly digest for the standup, the managers' nudge activity page and the
outbound webhook settings. Thin: parse, call a service or a selector, render."""

from __future__ import annotations

import zoneinfo
from datetime import timedelta

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from mentoring.errors import DomainError
from mentoring.tenancy import org_get_or_404
from mentoring.views.base import org_view

from ..models import Nudge, WebhookDelivery
from ..selectors import nudge_activity as activity
from ..selectors.digest import parse_week, week_start_of, weekly_digest
from ..services import webhooks
from ..services.booking import session_book
from ..services.nudges_admin import nudge_retry
from ..services.nudges_programs import slot_from_token

PAGE_SIZE = 25
MAX_SLOTS = 4


# --- One-click booking of a suggested slot -----------------------------------------------------------

def _suggestions(org, membership, tokens):
    """Valid suggestions for the viewer (one of the two people); others are dropped."""
    found, problems = [], []
    for token in tokens[:MAX_SLOTS]:
        try:
            slot = slot_from_token(org=org, token=token)
        except DomainError as error:
            problems.append(error.first_message)
            continue
        if membership.pk not in (slot["mentor"].pk, slot["mentee"].pk):
            raise Http404("No suggestion here.")  # someone else's suggestion: as if it did not exist
        slot["token"] = token
        slot["end"] = slot["start"] + timedelta(minutes=slot["minutes"])
        slot["other"] = slot["mentor"] if slot["mentee"].pk == membership.pk else slot["mentee"]
        found.append(slot)
    return found, problems


@org_view("manager", "mentor", "mentee")
@require_http_methods(["GET", "POST"])
def book_suggested(request, org, membership):
    """GET: the suggested slot(s) from a reminder, each with one Book button.
    POST: book that slot (the signed suggestion names the pair, start and length)."""
    tokens = request.POST.getlist("slot") if request.method == "POST" else request.GET.getlist("slot")
    found, problems = _suggestions(org, membership, tokens)
    status = 200
    if request.method == "POST":
        try:
            if not found:
                raise DomainError(problems[0] if problems else "Pick one of the suggested times.", field="slot")
            slot = found[0]
            session = session_book(actor=membership, mentor=slot["mentor"], mentee=slot["mentee"],
                                   start=slot["start"], minutes=slot["minutes"])
        except DomainError as error:
            problems, status = [error.first_message], error.status_code
        else:
            when = timezone.localtime(session.start)
            messages.success(request, f"Booked: {session.minutes} minutes with {found[0]['other'].display_name} on "
                                      f"{when:%a} {when.day} {when:%b} at {when:%H:%M} ({membership.time_zone}). "
                                      f"An invite is on its way by email.")
            return redirect("session_list", org_slug=org.slug)
    return render(request, "nudges/book_suggested.html", {"slots": found, "problems": problems}, status=status)


# --- The weekly digest -----------------------------------------------------------------------------

@org_view()
@require_GET
def digest(request, org, membership):
    """The digest of one ISO week, large enough to show at a standup (default: last week)."""
    today = timezone.now().astimezone(zoneinfo.ZoneInfo(org.time_zone)).date()
    last_week = week_start_of(today) - timedelta(days=7)
    week = parse_week(request.GET.get("week")) or last_week
    content = weekly_digest(org, week)
    iso = lambda day: "{0}-W{1:02d}".format(*day.isocalendar()[:2])  # noqa: E731
    return render(request, "nudges/digest.html", {
        "digest": content, "week_value": iso(week), "previous_week": iso(week - timedelta(days=7)),
        "next_week": iso(week + timedelta(days=7)) if week < week_start_of(today) else None})


# --- Managers: nudge activity and failures -----------------------------------------------------------

@org_view("manager")
@require_GET
def nudge_activity(request, org, membership):
    rows = activity.nudge_activity(org)
    return render(request, "nudges/activity.html", {
        "weeks": activity.activity_by_week(rows),
        "page": Paginator(activity.failed_nudges(org), PAGE_SIZE).get_page(request.GET.get("page")),
        "webhook": activity.webhook_of(org), "deliveries": activity.webhook_deliveries(org)})


@org_view("manager")
@require_POST
def nudge_retry_view(request, org, membership, nudge_id):
    nudge = org_get_or_404(Nudge, org, pk=nudge_id)
    if nudge_retry(actor=membership, nudge_id=nudge.pk):
        messages.success(request, "The reminder will be sent again in a moment.")
    else:
        messages.info(request, "That reminder is not failed any more; nothing to send again.")
    return redirect(reverse("nudge_activity", args=[org.slug]) + "#failed")


# --- Managers: the outbound webhook ------------------------------------------------------------------

def _webhook_page(request, org, *, status=200, error=None, new_secret=None, url=None):
    hook = activity.webhook_of(org)
    return render(request, "nudges/webhook.html", {
        "webhook": hook, "error": error, "new_secret": new_secret, "url": url if url is not None else
        (hook.url if hook else ""), "signature_header": webhooks.SIGNATURE_HEADER,
        "deliveries": activity.webhook_deliveries(org)}, status=status)


@org_view("manager")
@require_http_methods(["GET", "POST"])
def webhook_settings(request, org, membership):
    if request.method == "GET":
        return _webhook_page(request, org)
    try:
        _, new_secret = webhooks.webhook_set(actor=membership, url=request.POST.get("url", ""),
                                             enabled=bool(request.POST.get("enabled")))
    except DomainError as error:
        return _webhook_page(request, org, status=error.status_code, error=error.first_message,
                             url=request.POST.get("url", ""))
    # The secret is shown once, on this response only (never stored in a message or a URL).
    messages.success(request, "Webhook saved.")
    return _webhook_page(request, org, new_secret=new_secret) if new_secret else \
        redirect("webhook_settings", org_slug=org.slug)


@org_view("manager")
@require_http_methods(["GET", "POST"])
def webhook_rotate(request, org, membership):
    """GET: confirm (the old secret stops verifying at once); POST: rotate."""
    if request.method == "GET":
        return render(request, "confirm.html", {
            "title": "Make a new webhook secret?", "confirm_label": "Make a new secret", "danger": True,
            "body": "The receiver must switch to the new secret: posts signed with it no longer verify "
                    "with the old one.", "cancel_url": reverse("webhook_settings", args=[org.slug])})
    try:
        secret = webhooks.webhook_rotate_secret(actor=membership)
    except DomainError as error:
        return _webhook_page(request, org, status=error.status_code, error=error.first_message)
    messages.success(request, "New secret made: the old one no longer verifies.")
    return _webhook_page(request, org, new_secret=secret)


@org_view("manager")
@require_POST
def webhook_test_view(request, org, membership):
    try:
        webhooks.webhook_test(actor=membership)
    except DomainError as error:
        return _webhook_page(request, org, status=error.status_code, error=error.first_message)
    messages.success(request, "Test message queued: its result shows below in a moment.")
    return redirect("webhook_settings", org_slug=org.slug)


@org_view("manager")
@require_POST
def webhook_delivery_retry(request, org, membership, delivery_id):
    delivery = org_get_or_404(WebhookDelivery, org, pk=delivery_id)
    if webhooks.webhook_delivery_retry(actor=membership, delivery_id=delivery.pk):
        messages.success(request, "The webhook post will be sent again in a moment.")
    else:
        messages.info(request, "That post is not failed any more; nothing to send again.")
    return redirect("webhook_settings", org_slug=org.slug)
