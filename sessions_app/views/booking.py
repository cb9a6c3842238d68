"""HTML pages of booking and availability: a member's own availability
(working hours, focus blocks, external calendars, calendar feed), booking a
session from ranked slot suggestions, rescheduling and cancelling.

Thin: forms parse, services decide, DomainErrors come back as messages."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_http_methods, require_POST

from mentoring.errors import DomainError
from mentoring.tenancy import org_get_or_404
from mentoring.views.base import confirm_view, form_errors_from, org_view

from ..models import ExternalCalendar, FocusBlock, MentoringSession, WorkingWindow
from ..selectors.availability import slot_suggestions, slot_suggestions_for_move
from ..services import availability as availability_services
from ..services import calendars
from ..services.booking import (
    calendar_feed_for, calendar_feed_rotate, calendar_feed_url, session_book, session_cancel, session_reschedule)
from .booking_forms import (
    BookForm, CalendarSubscribeForm, CalendarUploadForm, CancelForm, FocusBlockForm, MoveForm, SlotsForm,
    WorkingHoursForm)

BOOKING_ROLES = ("manager", "mentor", "mentee")


def _availability_url(org, anchor: str = "") -> str:
    return reverse("availability", args=[org.slug]) + (f"#{anchor}" if anchor else "")


# --- Availability -----------------------------------------------------------------------------

def _availability_page(request, org, membership, *, status: int = 200, **forms):
    windows = list(WorkingWindow.objects.for_org(org).filter(membership=membership))
    days_with_windows = [window.weekday for window in windows]
    context = {
        "working_form": forms.get("working_form")
        or WorkingHoursForm(initial=WorkingHoursForm.initial_for(windows, membership)),
        "uses_default_hours": not windows,
        "split_days": sorted({window.get_weekday_display() for window in windows
                              if days_with_windows.count(window.weekday) > 1}),
        "focus_blocks": list(FocusBlock.objects.for_org(org).filter(membership=membership)),
        "focus_form": forms.get("focus_form") or FocusBlockForm(),
        "calendars": list(ExternalCalendar.objects.for_org(org).filter(membership=membership)),
        "upload_form": forms.get("upload_form") or CalendarUploadForm(),
        "subscribe_form": forms.get("subscribe_form") or CalendarSubscribeForm(),
        "feed_url": calendar_feed_url(calendar_feed_for(membership)),
    }
    return render(request, "booking/availability.html", context, status=status)


@org_view()
@require_http_methods(["GET", "POST"])
def availability(request, org, membership):
    """Every member's own availability page; POST saves the working hours."""
    if request.method != "POST":
        return _availability_page(request, org, membership)
    form = WorkingHoursForm(request.POST)
    if form.is_valid():
        try:
            availability_services.availability_set_working_windows(actor=membership, windows=form.windows())
        except DomainError as error:
            form_errors_from(form, error)
        else:
            messages.success(request, "Saved your working hours.")
            return redirect(_availability_url(org, "working-hours"))
    return _availability_page(request, org, membership, working_form=form, status=400)


@org_view()
@require_POST
def focus_block_add(request, org, membership):
    form = FocusBlockForm(request.POST)
    if form.is_valid():
        try:
            block = availability_services.focus_block_add(actor=membership, **form.cleaned_data)
        except DomainError as error:
            form_errors_from(form, error)
        else:
            messages.success(request, f"Added a focus block on {block.get_weekday_display()}, "
                                      f"{block.start:%H:%M}–{block.end:%H:%M}.")
            return redirect(_availability_url(org, "focus-blocks"))
    return _availability_page(request, org, membership, focus_form=form, status=400)


@org_view()
@require_http_methods(["GET", "POST"])
def focus_block_remove(request, org, membership, block_id):
    """GET asks for confirmation (works without JS); POST removes."""
    block = org_get_or_404(FocusBlock, org, pk=block_id, membership=membership)
    when = f"{block.get_weekday_display()} {block.start:%H:%M}–{block.end:%H:%M}"
    back = _availability_url(org, "focus-blocks")
    return confirm_view(
        request, act=lambda: availability_services.focus_block_remove(actor=membership, block_id=block.pk),
        title=f"Remove the focus block on {when}?", body="Sessions may then be suggested during this time.",
        confirm_label="Remove focus block", cancel_url=back, done_message="Removed the focus block.", redirect_to=back)


@org_view()
@require_POST
def calendar_upload(request, org, membership):
    form = CalendarUploadForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            calendar = calendars.calendar_upload(actor=membership, name=form.cleaned_data["name"],
                                                 content=upload.read(calendars.MAX_UPLOAD_BYTES + 1))
        except DomainError as error:
            form_errors_from(form, error)
        else:
            messages.success(request, f"Imported “{calendar.name}”: {calendar.busy_count} busy "
                                      f"time{'' if calendar.busy_count == 1 else 's'}.")
            return redirect(_availability_url(org, "calendars"))
    return _availability_page(request, org, membership, upload_form=form, status=400)


@org_view()
@require_POST
def calendar_subscribe(request, org, membership):
    form = CalendarSubscribeForm(request.POST)
    if form.is_valid():
        try:
            calendar = calendars.calendar_subscribe(actor=membership, **form.cleaned_data)
        except DomainError as error:
            form_errors_from(form, error)
            return _availability_page(request, org, membership, subscribe_form=form, status=error.status_code)
        messages.success(request, f"Subscribed to “{calendar.name}”; its busy times are fetched in a moment.")
        return redirect(_availability_url(org, "calendars"))
    return _availability_page(request, org, membership, subscribe_form=form, status=400)


@org_view()
@require_POST
def calendar_sync(request, org, membership, calendar_id):
    calendar = calendars.calendar_access(actor=membership, calendar_id=calendar_id)
    try:
        calendar = calendars.calendar_sync(calendar=calendar)
    except DomainError as error:
        messages.error(request, f"“{calendar.name}” was not synced: {error.first_message}")
    else:
        if calendar.last_error:
            messages.error(request, f"“{calendar.name}” could not be synced: {calendar.last_error}")
        else:
            messages.success(request, f"Synced “{calendar.name}”: {calendar.busy_count} busy "
                                      f"time{'' if calendar.busy_count == 1 else 's'}.")
    return redirect(_availability_url(org, "calendars"))


@org_view()
@require_http_methods(["GET", "POST"])
def calendar_delete(request, org, membership, calendar_id):
    calendar = calendars.calendar_access(actor=membership, calendar_id=calendar_id)
    back = _availability_url(org, "calendars")
    return confirm_view(
        request, act=lambda: calendars.calendar_delete(actor=membership, calendar_id=calendar.pk),
        title=f"Remove the calendar “{calendar.name}”?",
        body="Its busy times are deleted and no longer block session suggestions.",
        confirm_label="Remove calendar", cancel_url=back, redirect_to=back,
        done_message=f"Removed “{calendar.name}” and its busy times.")


@org_view()
@require_http_methods(["GET", "POST"])
def calendar_feed_rotate_view(request, org, membership):
    back = _availability_url(org, "feed")
    return confirm_view(
        request, act=lambda: calendar_feed_rotate(actor=membership), title="Make a new calendar feed address?",
        body="The current address stops working at once: every calendar app subscribed to it stops "
             "updating until you subscribe again with the new address. Do this if the address leaked.",
        confirm_label="Make a new address", cancel_url=back, redirect_to=back,
        done_message="Your calendar feed has a new address; the old one no longer works.")


# --- Booking --------------------------------------------------------------------------------------

def _sessions_url(org) -> str:
    """The session list, once it exists; until then the org's home page."""
    url = reverse("org_home", args=[org.slug]) + "sessions/"
    try:
        resolve(url)
    except Resolver404:
        return reverse("org_home", args=[org.slug])
    return url


def _suggestions(form, viewer):
    """(request, slots): slots for a complete, valid pair; a DomainError lands on the form."""
    wanted = form.request()
    if wanted is None:
        return None, []
    try:
        found = slot_suggestions(org=form.org, mentor=wanted["mentor"], mentee=wanted["mentee"],
                                 minutes=wanted["minutes"], viewer=viewer)
    except DomainError as error:
        form_errors_from(form, error)
        return None, []
    return wanted, found


def _book_context(form, membership, wanted, found, **extra) -> dict:
    other = None  # the person the viewer meets; none when a manager books for two others
    if wanted and membership.pk in (wanted["mentor"].pk, wanted["mentee"].pk):
        other = wanted["mentee"] if wanted["mentor"].pk == membership.pk else wanted["mentor"]
    return {"form": form, "wanted": wanted, "slots": found, "other": other,
            "fixed_mentor": form.fixed("mentor"), "fixed_mentee": form.fixed("mentee"), **extra}


@org_view(*BOOKING_ROLES)
@require_http_methods(["GET", "POST"])
def book(request, org, membership):
    """GET: the pair, length and agenda, and ranked slots (the slot list alone
    for htmx). POST: book one of them."""
    if request.method == "POST":
        return _book_post(request, org, membership)
    form = SlotsForm(request.GET or None, org=org, viewer=membership)
    if not form.is_bound:  # first visit: start from the viewer's own side and the longest length
        form = SlotsForm(form.initial_data(), org=org, viewer=membership)
    wanted, found = _suggestions(form, membership)
    context = _book_context(form, membership, wanted, found)
    template = "booking/_slots.html" if request.htmx and not request.htmx.history_restore_request \
        else "booking/book.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


def _book_post(request, org, membership):
    form = BookForm(request.POST, org=org, viewer=membership)
    wanted = form.request()
    try:
        if wanted is None:
            problems = [message for messages_ in form.errors.values() for message in messages_]
            raise DomainError(problems[0] if problems else "Pick a mentor and a mentee.")
        session = session_book(actor=membership, mentor=wanted["mentor"], mentee=wanted["mentee"],
                               start=wanted["start"], minutes=wanted["minutes"], agenda=wanted.get("agenda"))
    except DomainError as refused:
        error = refused
    else:
        other = session.mentee if session.mentor_id == membership.pk else session.mentor
        when = timezone.localtime(session.start)
        messages.success(request, f"Booked: {session.minutes} minutes with {other.display_name} on "
                                  f"{when:%a} {when.day} {when:%b} at {when:%H:%M} ({membership.time_zone}). "
                                  f"An invite is on its way by email.")
        return redirect(_sessions_url(org))
    # Refused: show exactly why, above fresh suggestions for the same request.
    slots_form = SlotsForm(request.POST, org=org, viewer=membership)
    wanted, found = _suggestions(slots_form, membership)
    context = _book_context(slots_form, membership, wanted, found, booking_error=error.first_message)
    return render(request, "booking/book.html", context, status=error.status_code)


# --- Reschedule and cancel --------------------------------------------------------------------------

def _session_for(org, membership, session_id) -> MentoringSession:
    """A session the viewer may change: its two participants or a program
    manager. Anyone else gets the same 404 as for a session that does not exist."""
    session = MentoringSession.objects.for_org(org).select_related("mentor", "mentee").filter(pk=session_id).first()
    if session is None or not (membership.is_manager or session.is_participant(membership)):
        raise Http404("No mentoring session here.")
    session.mentor.organization = session.mentee.organization = org
    return session


@org_view()
@require_http_methods(["GET", "POST"])
def session_reschedule_view(request, org, membership, session_id):
    session = _session_for(org, membership, session_id)
    error = None
    if request.method == "POST":
        form = MoveForm(request.POST)
        try:
            if not form.is_valid():
                raise DomainError(form.errors["start"][0], field="start")
            session = session_reschedule(actor=membership, session=session, start=form.cleaned_data["start"])
        except DomainError as refused:
            error = refused
        else:
            when = timezone.localtime(session.start)
            messages.success(request, f"Moved the session to {when:%a} {when.day} {when:%b} at {when:%H:%M} "
                                      f"({membership.time_zone}). Both of you get an updated invite.")
            return redirect(_sessions_url(org))
    found = []
    if session.status == MentoringSession.Status.BOOKED:
        try:
            found = slot_suggestions_for_move(session=session, minutes=session.minutes, viewer=membership)
        except DomainError as refused:
            error = error or refused
    context = {"session": session, "slots": found, "error": error.first_message if error else None}
    return render(request, "booking/reschedule.html", context, status=error.status_code if error else 200)


@org_view()
@require_http_methods(["GET", "POST"])
def session_cancel_view(request, org, membership, session_id):
    session = _session_for(org, membership, session_id)
    form = CancelForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            session_cancel(actor=membership, session=session, reason=form.cleaned_data["reason"])
        except DomainError as error:
            form.add_error(None, error.first_message)
            status = error.status_code
        else:
            messages.success(request, "Cancelled the session. Both of you get a cancellation by email.")
            return redirect(_sessions_url(org))
    elif request.method == "POST":
        status = 400
    return render(request, "booking/cancel.html", {"session": session, "form": form}, status=status)
