"""The audit log of an organisation: a paginated page and a CSV export (program managers)."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from ..audit import Action, audit_events, audit_export
from .base import org_view

PAGE_SIZE = 50


def _action_filter(request) -> str:
    """An unknown action is ignored (shows everything), not an error."""
    action = request.GET.get("action", "")
    return action if action in Action.values else ""


@org_view("manager")
@require_GET
def audit_log(request, org, membership):
    action = _action_filter(request)
    events = audit_events(org=org, action=action)
    context = {
        "page": Paginator(events, PAGE_SIZE).get_page(request.GET.get("page")),
        "actions": Action.choices,
        "action": action,
    }
    return render(request, "audit/list.html", context)


@org_view("manager")
@require_GET
def audit_log_export(request, org, membership):
    body = audit_export(actor=membership, action=_action_filter(request))
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{org.slug}-audit-{timezone.localdate():%Y-%m-%d}.csv"'
    return response
