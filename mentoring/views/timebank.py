"""Time-bank pages: a member's own ledger, and for program managers every
member's balance and adjusting one with a reason (audited)."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from .. import selectors_directory as sel
from ..forms_network import AdjustForm, DirectorySearchForm
from ..models import Membership
from ..services_timebank import timebank_adjust, timebank_balance
from ..tenancy import org_get_or_404
from .base import form_view, org_view

PAGE_SIZE = 50


@org_view()
@require_GET
def timebank(request, org, membership):
    page = Paginator(sel.ledger_entries(membership), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "timebank/ledger.html", {
        "balance": timebank_balance(membership), "page": page, "grant": org.timebank_starting_grant})


@org_view("manager")
@require_GET
def timebank_members(request, org, membership):
    form = DirectorySearchForm(request.GET)
    form.fields["q"].label = "Search people"
    form.fields["q"].widget.attrs["placeholder"] = "Name, email or team"
    q = form.cleaned_data["q"] if form.is_valid() else ""
    page = Paginator(sel.member_balances(org, q), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "timebank/members.html", {"page": page, "form": form,
                                                      "grant": org.timebank_starting_grant})


@org_view("manager")
@require_http_methods(["GET", "POST"])
def timebank_adjust_view(request, org, membership, member_id):
    member = org_get_or_404(Membership, org, pk=member_id)
    member.organization = org
    form = AdjustForm(request.POST) if request.method == "POST" else AdjustForm()
    return form_view(
        request, form, run=lambda form: timebank_adjust(actor=membership, member=member, **form.cleaned_data),
        success_message=lambda entry: f"{member.display_name} now has {entry.balance_after} minutes.",
        redirect_to=reverse("timebank_members", args=[org.slug]),
        template="timebank/adjust.html", context=lambda: {"member": member, "balance": timebank_balance(member)})
