"""Data rights pages: a member's own data (download as JSON) and a manager erasing a person."""

from __future__ import annotations

import json

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from .. import data_rights
from ..models import Membership
from ..tenancy import org_get_or_404
from .base import confirm_view, org_view


@org_view()
@require_GET
def my_data(request, org, membership):
    return render(request, "data_rights/my_data.html", {"sections": sorted(data_rights.collectors())})


@org_view()
@require_GET
@never_cache
def my_data_export(request, org, membership):
    body = data_rights.member_data_export(actor=membership)  # audited
    response = HttpResponse(json.dumps(body, indent=2, ensure_ascii=False),
                            content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = (f'attachment; filename="touchpoint-{org.slug}-my-data-'
                                       f'{timezone.localdate():%Y-%m-%d}.json"')
    return response


@org_view("manager")
@require_http_methods(["GET", "POST"])
def member_erase(request, org, membership, member_id):
    person = org_get_or_404(Membership, org, pk=member_id)
    name = person.display_name  # before erasure replaces it
    back = reverse("members", args=[org.slug])
    return confirm_view(
        request, act=lambda: data_rights.member_erase(actor=membership, membership=person),
        title=f"Erase {name}’s personal data?",
        body=("This cannot be undone. Their name, email, profile, skills, work items, availability, calendars, "
              "notifications, invitations and API access are removed; notes of their sessions, their survey "
              "comments, kudos messages and the titles of their next steps are erased. Sessions and other "
              "people's next steps stay, shown with “Former member”, so counts on dashboards do not change."),
        confirm_label="Erase personal data", cancel_url=back, redirect_to=back,
        done_message=f"Erased {name}’s personal data. They now show as “{data_rights.FORMER_MEMBER}”.")
