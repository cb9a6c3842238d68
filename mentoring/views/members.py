"""Members (roles, deactivation) and invitations: the program manager's pages."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from .. import selectors, services
from ..errors import DomainError
from ..forms import ROLE_CHOICES, InvitationForm, RolesForm
from ..models import Invitation, Membership
from ..tenancy import org_get_or_404
from .base import confirm_view, form_errors_from, org_view

PAGE_SIZE = 50


def _members_page(request, org, *, status=200):
    people = Membership.objects.for_org(org).select_related("user").order_by("display_name", "id")
    context = {
        "role_choices": ROLE_CHOICES,
        "active": Paginator(people.filter(is_active=True), PAGE_SIZE).get_page(request.GET.get("page")),
        "inactive": Paginator(people.filter(is_active=False), PAGE_SIZE).get_page(request.GET.get("inactive_page")),
    }
    return render(request, "members/list.html", context, status=status)


@org_view("manager")
def members(request, org, membership):
    return _members_page(request, org)


@org_view("manager")
@require_POST
def member_roles(request, org, membership, member_id):
    member = org_get_or_404(Membership, org, pk=member_id)
    form = RolesForm(request.POST)
    try:
        if not form.is_valid():
            raise DomainError(form.errors["roles"][0])
        services.membership_set_roles(actor=membership, membership=member, roles=form.cleaned_data["roles"])
    except DomainError as error:
        messages.error(request, f"Roles of {member.display_name} not changed: {error.first_message}")
        return _members_page(request, org, status=error.status_code)
    messages.success(request, f"Saved the roles of {member.display_name}.")
    return redirect(reverse("members", args=[org.slug]) + f"#member-{member.pk}")


@org_view("manager")
@require_http_methods(["GET", "POST"])
def member_deactivate(request, org, membership, member_id):
    """GET asks for confirmation (works without JS); POST deactivates."""
    member = org_get_or_404(Membership, org, pk=member_id)
    if request.method == "POST":
        try:
            services.membership_deactivate(actor=membership, membership=member)
        except DomainError as error:
            messages.error(request, f"{member.display_name} is still active: {error.first_message}")
            return _members_page(request, org, status=error.status_code)
        messages.success(request, f"Deactivated {member.display_name}. Their history is kept.")
        return redirect("members", org_slug=org.slug)
    return render(request, "confirm.html", {
        "title": f"Deactivate {member.display_name}?",
        "body": "They lose access to this organisation and leave its lists. Their history is kept, "
                "and you can reactivate them at any time.",
        "confirm_label": "Deactivate", "danger": True,
        "cancel_url": reverse("members", args=[org.slug]),
    })


@org_view("manager")
@require_POST
def member_reactivate(request, org, membership, member_id):
    member = org_get_or_404(Membership, org, pk=member_id)
    services.membership_reactivate(actor=membership, membership=member)
    messages.success(request, f"Reactivated {member.display_name}.")
    return redirect("members", org_slug=org.slug)


@org_view("manager")
@require_http_methods(["GET", "POST"])
def invitations(request, org, membership):
    status = 200
    if request.method == "POST":
        form = InvitationForm(request.POST)
        if form.is_valid():
            try:
                invitation = services.invitation_create(actor=membership, email=form.cleaned_data["email"],
                                                        roles=form.cleaned_data["roles"])
            except DomainError as error:
                form_errors_from(form, error)
                status = error.status_code
            else:
                messages.success(request, f"Invitation sent to {invitation.email}.")
                return redirect("invitations", org_slug=org.slug)
        else:
            status = 400
    else:
        form = InvitationForm()
    page = Paginator(selectors.invitations_list(org), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "invitations/list.html", {"form": form, "page": page}, status=status)


@org_view("manager")
@require_http_methods(["GET", "POST"])
def invitation_revoke(request, org, membership, invitation_id):
    invitation = org_get_or_404(Invitation, org, pk=invitation_id)
    back = reverse("invitations", args=[org.slug])
    return confirm_view(
        request, act=lambda: services.invitation_revoke(actor=membership, invitation=invitation),
        title=f"Revoke the invitation for {invitation.email}?",
        body="The link in their email stops working. You can invite them again later.",
        confirm_label="Revoke invitation", cancel_url=back, redirect_to=back,
        done_message=f"Revoked the invitation for {invitation.email}.")
