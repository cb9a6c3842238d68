"""External mentors (managers: list with trial flags, agreement template,
terms; the mentor: their agreement; both: the monthly statement and its CSV)
and participants' own goals. Thin: parse, call a service or selector, render."""

from __future__ import annotations

from datetime import timedelta

from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from .. import selectors_external as sel
from .. import services_external as svc
from .. import services_programs
from ..errors import DomainError
from ..models import Membership
from ..models_external import AGREEMENT_PLACEHOLDERS, EngagementAgreement, ExternalTerms
from ..models_programs import Participant
from ..tenancy import org_get_or_404
from .base import action_view, form_errors_from, form_view, org_view
from .external_forms import AgreementTemplateForm, GoalsForm, MonthForm, TermsForm

PAGE_SIZE = 50


# --- Managers ----------------------------------------------------------------------------------

@org_view("manager")
@require_GET
def external_mentors(request, org, membership):
    today = sel.org_today(org)
    page = Paginator(sel.external_mentors(org, today=today), PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = sel.decorate(org, page.object_list, today)
    return render(request, "external/list.html", {"page": page, "today": today})


@org_view("manager")
@require_http_methods(["GET", "POST"])
def agreement_template(request, org, membership):
    template = sel.agreement_template_of(org)
    form = AgreementTemplateForm(request.POST) if request.method == "POST" else \
        AgreementTemplateForm(initial={"body": template.body})
    return form_view(
        request, form, run=lambda form: svc.agreement_template_update(actor=membership, body=form.cleaned_data["body"]),
        success_message=lambda saved: f"Saved version {saved.version}. Agreements generated before keep "
                                      f"their text; saving a mentor's terms generates a new one.",
        redirect_to=reverse("agreement_template", args=[org.slug]),
        template="external/template.html", context={"template": template, "placeholders": AGREEMENT_PLACEHOLDERS})


def _external(org, mentor_id) -> Membership:
    return org_get_or_404(Membership, org, pk=mentor_id, is_external=True)


@org_view("manager")
@require_http_methods(["GET", "POST"])
def external_terms(request, org, membership, mentor_id):
    mentor = _external(org, mentor_id)
    terms = ExternalTerms.objects.for_org(org).filter(mentor=mentor).first()
    if request.method == "POST":
        form = TermsForm(request.POST)
    elif terms is not None:
        form = TermsForm(initial={f: getattr(terms, f) for f in svc.TERMS_FIELDS})
    else:
        form = TermsForm(initial={"hourly_rate": mentor.hourly_rate, "currency": mentor.currency})
    return form_view(
        request, form, run=lambda form: svc.external_terms_set(actor=membership, mentor=mentor, **form.cleaned_data),
        success_message=lambda agreement: f"Saved the terms of {mentor.display_name}; agreement {agreement.number} "
                                          f"is waiting for their acceptance.",
        redirect_to=reverse("external_mentors", args=[org.slug]), template="external/terms.html",
        context=lambda: {"mentor": mentor, "terms": terms, "agreements": list(sel.agreements_of(org, mentor)[:20])})


# --- Statement: managers and the mentor themself ---------------------------------------------------

def _statement_target(org, membership, mentor_id) -> Membership:
    """Managers see any external mentor's statement; a mentor only their own
    (anyone else's is simply not found)."""
    if not membership.is_manager and str(mentor_id) != str(membership.pk):
        raise Http404("No such statement.")
    return _external(org, mentor_id)


def _month(request, org):
    return sel.month_parse(request.GET.get("month"), default=sel.org_today(org))


@org_view()
@require_GET
def external_statement(request, org, membership, mentor_id):
    mentor = _statement_target(org, membership, mentor_id)
    form = MonthForm(request.GET or None)
    try:
        month = _month(request, org)
    except DomainError as error:
        form.is_valid()
        form_errors_from(form, error)
        month, status = sel.org_today(org).replace(day=1), 400
    else:
        status = 200
        form = MonthForm(initial={"month": month.strftime("%Y-%m")})
    statement = sel.compensation_statement(org, mentor, month)
    previous = (month - timedelta(days=1)).replace(day=1)
    return render(request, "external/statement.html", {
        "mentor": mentor, "statement": statement, "form": form, "month": month,
        "previous": previous.strftime("%Y-%m"), "next": sel.month_next(month).strftime("%Y-%m")}, status=status)


@org_view()
@require_GET
def external_statement_csv(request, org, membership, mentor_id):
    mentor = _statement_target(org, membership, mentor_id)
    try:
        month = _month(request, org)
    except DomainError as error:
        return HttpResponse(error.first_message, status=400, content_type="text/plain; charset=utf-8")
    body = svc.compensation_export(actor=membership, mentor=mentor, month=month)  # audited
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    name = f"{org.slug}-statement-{month:%Y-%m}-{mentor.pk}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# --- The mentor's agreement ------------------------------------------------------------------------

@org_view()
@require_GET
def my_agreement(request, org, membership):
    agreements = list(sel.agreements_of(org, membership)[:20])
    current = next((a for a in agreements if a.is_current), None)
    return render(request, "external/my_agreement.html", {"current": current, "agreements": agreements})


@org_view()
@require_POST
def agreement_accept(request, org, membership, agreement_id):
    agreement = org_get_or_404(EngagementAgreement, org, pk=agreement_id, mentor=membership)
    return action_view(request, act=lambda: svc.agreement_accept(actor=membership, agreement=agreement),
                       done_message="Accepted. Sessions can now be booked with you.",
                       redirect_to=reverse("my_agreement", args=[org.slug]))


# --- Participants' own goals ------------------------------------------------------------------------

@org_view()
@require_GET
def my_participations(request, org, membership):
    participations = Participant.objects.for_org(org).filter(membership=membership) \
        .select_related("cohort__program").prefetch_related("goal_skills").order_by("-cohort__starts_on", "id")
    page = Paginator(participations, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "external/my_participations.html", {"page": page})


@org_view()
@require_http_methods(["GET", "POST"])
def participation_goals(request, org, membership, participant_id):
    participant = org_get_or_404(Participant, org, pk=participant_id, membership=membership)
    form = GoalsForm(request.POST) if request.method == "POST" else \
        GoalsForm(initial={"goals": participant.goals,
                           "goal_skills": ", ".join(s.name for s in participant.goal_skills.all())})
    return form_view(
        request, form, run=lambda form: services_programs.participant_update(
            actor=membership, participant=participant, **form.service_kwargs()),
        success_message="Saved your goals; pairing takes them into account.",
        redirect_to=reverse("my_participations", args=[org.slug]),
        template="external/goals.html", context={"participant": participant})
