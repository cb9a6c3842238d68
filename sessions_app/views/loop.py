"""HTML pages of the session loop: sessions, logging, notes, next steps,
surveys, kudos and agenda templates. Thin: parse, call a service or a
selector, render. Session pages are for the two participants only (404 for
anyone else, managers and HR included)."""

from __future__ import annotations

import itertools
import operator
from datetime import timedelta

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from mentoring.errors import DomainError
from mentoring.tenancy import org_get_or_404
from mentoring.views.base import confirm_view, form_errors_from, form_view, org_view

from ..models import AgendaTemplate, Kudos, MentoringSession, NextStep, SessionNote, SurveyResponse
from ..selectors import loop as selectors
from ..services import agendas, kudos, logging, next_steps, surveys
from .loop_forms import (AgendaForm, KudosForm, KudosGiveForm, NoteForm, SessionLogForm, SurveyForm, drafts_of,
                         next_steps_formset)

# --- Sessions ---------------------------------------------------------------------------


@org_view()
def session_list(request, org, membership):
    context = selectors.sessions_overview(membership)
    return render(request, "sessions/list.html", context)


def _other(session: MentoringSession, membership):
    return session.mentee if session.mentor_id == membership.pk else session.mentor


def _render_detail(request, org, membership, session, *, note_form=None, kudos_form=None, status=200):
    note = SessionNote.objects.for_org(org).filter(session=session).first()
    other = _other(session, membership)
    kudos_form = kudos_form or KudosForm()
    kudos_form.fields["message"].label = f"Kudos for {other.display_name}"
    context = {
        "session": session,
        "other": other,
        "prompts": [line.strip() for line in session.agenda.prompts.splitlines() if line.strip()]
        if session.agenda else [],
        "note": note,
        "note_form": note_form or NoteForm(initial={"text": note.text if note else ""}),
        "steps": list(NextStep.objects.for_org(org).filter(session=session).select_related("owner", "work_item")
                      .order_by("due_date", "created_at", "id")),
        "kudos_list": selectors.kudos_of_session(session),
        "kudos_form": kudos_form,
        "survey_answered": SurveyResponse.objects.for_org(org).filter(session=session,
                                                                      respondent=membership).exists(),
        "can_log": session.status == MentoringSession.Status.BOOKED and session.start <= timezone.now(),
    }
    return render(request, "sessions/detail.html", context, status=status)


@org_view()
def session_detail(request, org, membership, session_id):
    session = selectors.access_session(membership, session_id)
    return _render_detail(request, org, membership, session)


@org_view()
@require_POST
def session_note(request, org, membership, session_id):
    session = selectors.access_session(membership, session_id)
    form = NoteForm(request.POST)
    if form.is_valid():
        try:
            logging.session_note_update(actor=membership, session=session, text=form.cleaned_data["text"])
        except DomainError as error:
            form_errors_from(form, error)
        else:
            messages.success(request, "Notes saved.")
            return redirect("session_detail", org_slug=org.slug, session_id=session.pk)
    return _render_detail(request, org, membership, session, note_form=form, status=400)


@org_view()
@require_POST
def session_kudos(request, org, membership, session_id):
    session = selectors.access_session(membership, session_id)
    form = KudosForm(request.POST)
    other = _other(session, membership)
    if form.is_valid():
        try:
            kudos.kudos_give(actor=membership, receiver=other, message=form.cleaned_data["message"], session=session)
        except DomainError as error:
            form_errors_from(form, error)
        else:
            messages.success(request, f"Kudos sent to {other.display_name}.")
            return redirect("session_detail", org_slug=org.slug, session_id=session.pk)
    return _render_detail(request, org, membership, session, kudos_form=form, status=400)


def _loggable_problem(session: MentoringSession) -> str | None:
    if session.status == MentoringSession.Status.DONE:
        return "This session is already logged."
    if session.status == MentoringSession.Status.CANCELLED:
        return "This session was cancelled; there is nothing to log."
    if session.start > timezone.now():
        return "This session has not started yet; log it afterwards."
    return None


@org_view()
@require_http_methods(["GET", "POST"])
def session_log(request, org, membership, session_id):
    session = selectors.access_session(membership, session_id)
    if request.method == "GET" and (problem := _loggable_problem(session)):
        messages.info(request, problem)
        return redirect("session_detail", org_slug=org.slug, session_id=session.pk)
    work_items = list(session.mentee.work_items.all())
    data = request.POST if request.method == "POST" else None
    form = SessionLogForm(data, session=session, viewer=membership)
    formset = next_steps_formset(data, session=session, viewer=membership, work_items=work_items)
    status = 200
    if request.method == "POST":
        status = 400
        form_ok, steps_ok = form.is_valid(), formset.is_valid()  # both, so every message shows at once
        drafts = drafts_of(formset) if steps_ok else None
        if drafts == []:
            form.add_error(None, logging.NO_NEXT_STEP)
        elif form_ok and steps_ok:
            try:
                logging.session_log(actor=membership, session=session, next_steps=drafts,
                                    actual_minutes=form.cleaned_data["actual_minutes"],
                                    outcome_type=form.cleaned_data["outcome_type"],
                                    notes=form.cleaned_data["notes"])
            except DomainError as error:
                form_errors_from(form, error)
                status = error.status_code
            else:
                count = len(drafts)
                messages.success(request, f"Session logged with {count} next step{'s' if count != 1 else ''}.")
                return redirect("session_survey", org_slug=org.slug, session_id=session.pk)
    context = {"session": session, "other": _other(session, membership), "form": form, "formset": formset}
    return render(request, "sessions/log.html", context, status=status)


@org_view()
@require_http_methods(["GET", "POST"])
def session_survey(request, org, membership, session_id):
    session = selectors.access_session(membership, session_id)
    if session.status != MentoringSession.Status.DONE:
        messages.info(request, "The survey opens once the session is logged.")
        return redirect("session_detail", org_slug=org.slug, session_id=session.pk)
    answered = SurveyResponse.objects.for_org(org).filter(session=session, respondent=membership).exists()
    form, status = SurveyForm(request.POST or None), 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                surveys.survey_answer(actor=membership, session=session, **form.cleaned_data)
            except DomainError as error:
                form_errors_from(form, error)
                status = error.status_code
                answered = status == 409
            else:
                messages.success(request, "Thank you: your answer helps the program.")
                return redirect("session_list", org_slug=org.slug)
    context = {"session": session, "other": _other(session, membership), "form": form, "answered": answered}
    return render(request, "sessions/survey.html", context, status=status)


# --- Next steps ----------------------------------------------------------------------------


def _return_to(request) -> str:
    """Where a no-JS tick returns: the page it was made on."""
    if request.htmx and request.htmx.current_url_abs_path:
        return request.htmx.current_url_abs_path
    return request.get_full_path()


def my_steps_context(request, membership) -> dict:
    return {"groups": selectors.my_next_steps(membership), "return_to": _return_to(request)}


@org_view()
def next_step_list(request, org, membership):
    return render(request, "sessions/next_steps.html", my_steps_context(request, membership))


def _tick(request, org, membership, step_id, service):
    # Someone else's step is simply not found: titles are private.
    step = org_get_or_404(NextStep, org, pk=step_id, owner=membership)
    try:
        service(actor=membership, next_step=step)
    except DomainError as error:
        messages.error(request, error.first_message)
    if request.htmx:
        context = {**my_steps_context(request, membership), "changed_id": step.pk}
        return render(request, "sessions/_my_next_steps.html", context)
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return redirect(target)
    return redirect("next_step_list", org_slug=org.slug)


@org_view()
@require_POST
def next_step_complete(request, org, membership, step_id):
    return _tick(request, org, membership, step_id, next_steps.next_step_complete)


@org_view()
@require_POST
def next_step_reopen(request, org, membership, step_id):
    return _tick(request, org, membership, step_id, next_steps.next_step_reopen)


@org_view("mentor")
def mentees_next_steps(request, org, membership):
    return render(request, "sessions/mentees_next_steps.html",
                  {"people": selectors.mentees_next_steps(membership)})


@org_view("manager")
def next_steps_overview(request, org, membership):
    counts = selectors.next_step_counts(org, selectors.local_today(membership))
    return render(request, "sessions/next_steps_overview.html", counts)


# --- Agenda templates (program managers) ------------------------------------------------------------


@org_view("manager")
def agenda_list(request, org, membership):
    return render(request, "sessions/agendas.html", {"agendas": list(agendas.agenda_templates(org))})


def _agenda_form(request, org, membership, agenda=None):
    def save(form):
        if agenda is None:
            return agendas.agenda_create(actor=membership, **form.cleaned_data)
        return agendas.agenda_update(actor=membership, agenda=agenda, **form.cleaned_data)

    form = AgendaForm(request.POST) if request.method == "POST" else \
        AgendaForm(initial=AgendaForm.initial_for(agenda) if agenda else None)
    return form_view(
        request, form, run=save, success_message=lambda _: f"Saved the agenda template “{form.cleaned_data['name']}”.",
        redirect_to=reverse("agenda_list", args=[org.slug]),
        template="sessions/agenda_form.html", context={"agenda": agenda})


@org_view("manager")
@require_http_methods(["GET", "POST"])
def agenda_create(request, org, membership):
    return _agenda_form(request, org, membership)


@org_view("manager")
@require_http_methods(["GET", "POST"])
def agenda_edit(request, org, membership, agenda_id):
    return _agenda_form(request, org, membership, org_get_or_404(AgendaTemplate, org, pk=agenda_id))


@org_view("manager")
@require_http_methods(["GET", "POST"])
def agenda_delete(request, org, membership, agenda_id):
    agenda = org_get_or_404(AgendaTemplate, org, pk=agenda_id)
    back = reverse("agenda_list", args=[org.slug])
    return confirm_view(
        request, act=lambda: agendas.agenda_delete(actor=membership, agenda=agenda),
        title=f"Delete “{agenda.name}”?",
        body="Sessions booked with it keep their time and log; they just no longer show its prompts.",
        confirm_label="Delete template", cancel_url=back, redirect_to=back,
        done_message=f"Deleted the agenda template “{agenda.name}”.")


# --- Kudos feed ---------------------------------------------------------------------------------------------

KUDOS_PAGE_SIZE = 25
KUDOS_SESSION_DAYS = 60  # sessions offered in the "for a session" choice: the recent ones


@org_view()
@require_http_methods(["GET", "POST"])
def kudos_feed(request, org, membership):
    """The org's kudos, newest first, and a form to thank anyone in the org."""
    now = timezone.now()
    sessions = (selectors.sessions_of(membership).exclude(status=MentoringSession.Status.CANCELLED)
                .filter(start__lte=now, start__gte=now - timedelta(days=KUDOS_SESSION_DAYS)).order_by("-start", "id"))
    form = KudosGiveForm(request.POST if request.method == "POST" else None, org=org, giver=membership,
                         sessions=sessions)

    def page_context():
        feed = (Kudos.objects.for_org(org).select_related("giver", "receiver")
                .order_by("-created_at", "-id"))
        # Plain (id, name) pairs per team: the select may list thousands of people.
        people = form.fields["receiver"].queryset.values_list("team", "id", "display_name")
        teams = [(team, [(str(pk), name) for _, pk, name in rows])
                 for team, rows in itertools.groupby(people, key=operator.itemgetter(0))]
        return {"teams": teams, "selected": str(form["receiver"].value() or ""),
                "page": Paginator(feed, KUDOS_PAGE_SIZE).get_page(request.GET.get("page"))}

    return form_view(
        request, form,
        run=lambda form: kudos.kudos_give(actor=membership, receiver=form.cleaned_data["receiver"],
                                          message=form.cleaned_data["message"], session=form.cleaned_data["session"]),
        success_message=lambda _: f"Kudos sent to {form.cleaned_data['receiver'].display_name}.",
        redirect_to=reverse("kudos_feed", args=[org.slug]), template="sessions/kudos.html", context=page_context)
