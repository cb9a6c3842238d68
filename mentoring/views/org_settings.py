"""The organisation's policy, edited by its program managers."""

from __future__ import annotations

from django.urls import reverse
from django.views.decorators.http import require_http_methods

from .. import services
from ..forms import OrgPolicyForm
from .base import form_view, org_view


@org_view("manager")
@require_http_methods(["GET", "POST"])
def org_settings(request, org, membership):
    form = OrgPolicyForm(request.POST) if request.method == "POST" else \
        OrgPolicyForm(initial={name: getattr(org, name) for name in services.POLICY_FIELDS})
    return form_view(
        request, form, run=lambda form: services.org_policy_update(actor=membership, org=org, **form.cleaned_data),
        success_message="Settings saved.", redirect_to=reverse("org_settings", args=[org.slug]),
        template="org_settings.html")
