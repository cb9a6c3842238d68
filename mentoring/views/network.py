"""The network model's pages: the mentor directory of a network program,
a mentor's own listing, requesting a micro-session, answering requests.
Thin: forms parse, services decide, DomainErrors come back as messages."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sessions_app.selectors.availability import next_free_slots, slot_suggestions

from .. import selectors_directory as sel
from .. import services_directory as svc
from ..errors import DomainError
from ..forms_network import DeclineForm, DirectorySearchForm, ListingForm, RequestForm
from ..models import MentorListing, Program, SessionRequest
from ..services_timebank import timebank_balance
from ..tenancy import org_get_or_404
from .base import action_view, form_errors_from, form_view, org_view

PAGE_SIZE = 20
SLOTS_SHOWN = 8


def _network(org, program_id) -> Program:
    return org_get_or_404(Program, org, pk=program_id, kind=Program.Kind.NETWORK)


def _session_minutes(org) -> int:
    return org.session_max_minutes


@org_view()
@require_GET
def directory_home(request, org, membership):
    """The network programs; with exactly one, straight to its directory."""
    programs = list(sel.network_programs(org)[:50])
    if len(programs) == 1:
        return redirect("directory", org_slug=org.slug, program_id=programs[0].pk)
    return render(request, "network/programs.html", {"programs": programs})


@org_view()
@require_GET
def directory(request, org, membership, program_id):
    program = _network(org, program_id)
    form = DirectorySearchForm(request.GET)
    q = form.cleaned_data["q"] if form.is_valid() else ""
    page = Paginator(sel.directory_listings(org, program, q), PAGE_SIZE).get_page(request.GET.get("page"))
    listings = list(page.object_list)
    for listing in listings:
        listing.membership.organization = org
    # Next free slot only for the mentors on this page (five queries for all of them).
    free = next_free_slots(org=org, viewer=membership, mentors=[listing.membership for listing in listings],
                           minutes=_session_minutes(org)) if listings else {}
    for listing in listings:
        listing.next_slot = free.get(listing.membership_id)
    own = MentorListing.objects.for_org(org).filter(program=program, membership=membership).first() \
        if membership.is_mentor else None
    context = {"program": program, "form": form, "q": q, "page": page, "listings": listings, "own_listing": own,
               "balance": timebank_balance(membership) if membership.is_mentee else None,
               "minutes": _session_minutes(org)}
    return render(request, "network/directory.html", context)


@org_view("mentor")
@require_http_methods(["GET", "POST"])
def listing_edit(request, org, membership, program_id):
    program = _network(org, program_id)
    listing = MentorListing.objects.for_org(org).filter(program=program, membership=membership).first()
    if request.method == "POST":
        form = ListingForm(request.POST)
    elif listing is not None:
        form = ListingForm(initial={
            "topics": ", ".join(topic.name for topic in listing.topics.order_by("name")), "about": listing.about,
            "weekly_capacity": listing.weekly_capacity, "is_available": "yes" if listing.is_available else "no",
            "unavailable_message": listing.unavailable_message})
    else:
        form = ListingForm(initial={
            "topics": ", ".join(skill.name for skill in membership.skills.order_by("name")),
            "weekly_capacity": 2, "is_available": "yes"})
    return form_view(
        request, form, run=lambda form: svc.listing_save(actor=membership, program=program, **form.service_kwargs()),
        success_message=lambda saved: "Saved your listing." if saved.is_available else
                                      "You are unavailable; open requests were declined with your message.",
        redirect_to=reverse("directory", args=[org.slug, program.pk]),
        template="network/listing_edit.html", context={"program": program, "listing": listing})


def _minutes(value, org) -> int:
    """The length asked for, or the org's longest session when it is not one of the allowed ones."""
    allowed = [m for m in (15, 20, 25, 30) if org.session_min_minutes <= m <= org.session_max_minutes]
    try:
        wanted = int(value)
    except (TypeError, ValueError):
        wanted = 0
    return wanted if wanted in allowed else _session_minutes(org)


@org_view("mentee")
@require_http_methods(["GET", "POST"])
def session_request_create(request, org, membership, listing_id):
    """The mentor's free times that suit the mentee too; pick one, add a note."""
    listing = org_get_or_404(MentorListing, org, pk=listing_id)
    listing.membership.organization = org
    status, error = 200, None
    if request.method == "POST":
        form = RequestForm(request.POST)
        if form.is_valid():
            try:
                svc.session_request_create(actor=membership, listing=listing, **form.cleaned_data)
            except DomainError as refused:
                form_errors_from(form, refused)
            else:
                messages.success(request, f"Asked {listing.membership.display_name}; you will be notified of "
                                          f"the answer.")
                return redirect("session_request_list", org_slug=org.slug)
        status = 400
        minutes = _minutes(request.POST.get("minutes"), org)
    else:
        minutes = _minutes(request.GET.get("minutes"), org)
        form = RequestForm(initial={"minutes": minutes})
    offered = []
    if listing.membership_id != membership.pk:
        try:
            offered = slot_suggestions(org=org, mentor=listing.membership, mentee=membership, minutes=minutes,
                                       days=svc.REQUEST_DAYS, limit=SLOTS_SHOWN, viewer=membership)
        except DomainError as refused:
            error = refused.first_message
    offered.sort(key=lambda slot: slot.start_utc)
    context = {"listing": listing, "form": form, "offered": offered, "error": error, "minutes": minutes,
               "chosen": request.POST.get("start", ""), "balance": timebank_balance(membership)}
    return render(request, "network/request.html", context, status=status)


@org_view()
@require_GET
def session_request_list(request, org, membership):
    received = Paginator(sel.requests_received(membership), PAGE_SIZE).get_page(request.GET.get("page"))
    sent = Paginator(sel.requests_sent(membership), PAGE_SIZE).get_page(request.GET.get("sent_page"))
    return render(request, "network/requests.html", {"received": received, "sent": sent})


def _request_for(org, membership, request_id, side: str) -> SessionRequest:
    """A request on the caller's ``side`` ("mentor": accept or decline it; "mentee": withdraw it);
    to anyone else it does not exist."""
    from django.http import Http404

    found = SessionRequest.objects.for_org(org).select_related("mentor", "mentee", "program") \
        .filter(pk=request_id).first()
    if found is None or membership.pk != getattr(found, f"{side}_id"):
        raise Http404("No such request.")
    return found


@org_view()
@require_POST
def session_request_accept(request, org, membership, request_id):
    found = _request_for(org, membership, request_id, "mentor")
    return action_view(request, act=lambda: svc.session_request_accept(actor=membership, request=found),
                       done_message=f"Booked the session with {found.mentee.display_name}.",
                       redirect_to=reverse("session_request_list", args=[org.slug]), error_prefix="Could not accept: ")


@org_view()
@require_http_methods(["GET", "POST"])
def session_request_decline(request, org, membership, request_id):
    found = _request_for(org, membership, request_id, "mentor")
    form = DeclineForm(request.POST) if request.method == "POST" else DeclineForm()
    return form_view(
        request, form, run=lambda form: svc.session_request_decline(actor=membership, request=found,
                                                                    message=form.cleaned_data["message"]),
        success_message=f"Declined; {found.mentee.display_name} gets your message.",
        redirect_to=reverse("session_request_list", args=[org.slug]),
        template="network/decline.html", context={"req": found})


@org_view()
@require_POST
def session_request_withdraw(request, org, membership, request_id):
    found = _request_for(org, membership, request_id, "mentee")
    return action_view(request, act=lambda: svc.session_request_withdraw(actor=membership, request=found),
                       done_message="Withdrew your request.",
                       redirect_to=reverse("session_request_list", args=[org.slug]))
