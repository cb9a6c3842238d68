"""The organisation's policy, edited by its program managers."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from .. import services
from ..errors import DomainError
from ..forms import OrgPolicyForm
from .base import form_errors_from, org_view


@org_view("manager")
@require_http_methods(["GET", "POST"])
def org_settings(request, org, membership):
    status = 200
    if request.method == "POST":
        form = OrgPolicyForm(request.POST)
        if form.is_valid():
            try:
                org = services.org_policy_update(actor=membership, org=org, **form.cleaned_data)
            except DomainError as error:
                form_errors_from(form, error)
            else:
                messages.success(request, "Settings saved.")
                return redirect("org_settings", org_slug=org.slug)
        status = 400
    else:
        form = OrgPolicyForm(initial={name: getattr(org, name) for name in services.POLICY_FIELDS})
    return render(request, "org_settings.html", {"form": form}, status=status)
