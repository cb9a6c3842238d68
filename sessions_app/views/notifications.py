"""The notification centre, reminder preferences and the one-click
unsubscribe. Thin: parse, call a service or a selector, render."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from mentoring.errors import DomainError
from mentoring.tenancy import org_get_or_404
from mentoring.views.base import org_view

from ..models import Notification, NudgeKind
from ..selectors import nudges as selectors
from ..services import nudges as services


@org_view()
def notification_list(request, org, membership):
    items = selectors.notifications_of(membership)
    return render(request, "notifications/list.html", {
        "notifications": items, "unread": sum(1 for n in items if n.read_at is None),
        "unread_total": selectors.unread_notification_count(membership)})


@org_view()
@require_POST
def notification_read(request, org, membership, notification_id):
    """Mark one read; with ``open`` go on to the thing it is about."""
    notification = org_get_or_404(Notification, org, pk=notification_id, recipient=membership)
    services.notification_mark_read(actor=membership, notification_id=notification.pk)
    if request.POST.get("open") and notification.link.startswith("/"):
        return redirect(notification.link)
    return redirect("notification_list", org_slug=org.slug)


@org_view()
@require_POST
def notification_read_all(request, org, membership):
    count = services.notifications_mark_all_read(actor=membership)
    messages.success(request, f"Marked {count} notification{'s' if count != 1 else ''} read.")
    return redirect("notification_list", org_slug=org.slug)


def _render_preferences(request, membership, *, status=200, error=None):
    return render(request, "notifications/preferences.html", {
        "choices": selectors.nudge_choices_of(membership), "error": error}, status=status)


@org_view()
@require_http_methods(["GET", "POST"])
def notification_preferences(request, org, membership):
    if request.method == "GET":
        return _render_preferences(request, membership)
    choices = {kind: (f"{kind}-email" in request.POST, f"{kind}-in_app" in request.POST)
               for kind in NudgeKind.values}
    services.nudge_preferences_set(actor=membership, choices=choices)
    messages.success(request, "Reminder preferences saved.")
    return redirect("notification_preferences", org_slug=org.slug)


@org_view("manager")
@require_POST
def nudge_kinds(request, org, membership):
    """Managers switch kinds on or off for everyone in the organisation."""
    try:
        services.org_nudge_kinds_set(actor=membership, enabled=request.POST.getlist("enabled"))
    except DomainError as error:
        return _render_preferences(request, membership, status=400, error=error.first_message)
    messages.success(request, "Reminders for the organisation saved.")
    return redirect("notification_preferences", org_slug=org.slug)


# The signed token is the credential (no sign-in); POST without a CSRF token is what
# mail clients send for RFC 8058 one-click unsubscribe, and forging it needs the token anyway.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token):
    try:
        membership, kind = services.unsubscribe_target(token=token)
    except DomainError as error:
        return render(request, "notifications/unsubscribe.html", {"invalid": error.first_message}, status=400)
    context = {"person": membership, "kind_label": NudgeKind(kind).label,
               "org_name": membership.organization.name, "org_slug": membership.organization.slug}
    if request.method == "POST":
        services.nudge_unsubscribe(token=token)
        context["done"] = True
    return render(request, "notifications/unsubscribe.html", context)
