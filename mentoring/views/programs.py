"""Program pages (program managers): programs, cohorts, participants, pairing
review (lock, swap, unpair, assign, re-run), publish, end and history.
Thin: parse, call a service or selector, render."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from .. import selectors
from .. import selectors_programs as sel
from .. import services_programs as svc
from ..errors import DomainError
from ..models_programs import Cohort, Pair, PairingRun, Participant, Program
from ..tenancy import org_get_or_404
from .base import action_view, form_errors_from, form_view, org_view
from .programs_forms import (AssignForm, CohortForm, CsvForm, FilterForm, ParticipantForm, PickForm, ProgramForm,
                             SwapForm)

PAGE_SIZE = 50


def _to_cohort(org, cohort, anchor=""):
    return redirect(reverse("cohort_detail", args=[org.slug, cohort.pk]) + anchor)


# --- Programs ------------------------------------------------------------------------------

@org_view("manager")
@require_GET
def program_list(request, org, membership):
    programs = Paginator(sel.programs_list(org=org), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "programs/list.html", {"page": programs})


@org_view("manager")
@require_http_methods(["GET", "POST"])
def program_create(request, org, membership):
    def next_page(program):
        """Straight to adding participants when the program came with a first cohort."""
        cohort = Cohort.objects.for_org(org).filter(program=program).first()
        if cohort is not None:
            return reverse("cohort_participants", args=[org.slug, cohort.pk])
        return reverse("program_detail", args=[org.slug, program.pk])

    form = ProgramForm(request.POST) if request.method == "POST" else \
        ProgramForm(initial={"cohort_ratio": org.cohort_ratio})
    return form_view(
        request, form, run=lambda form: svc.program_create(actor=membership, **form.service_kwargs()),
        success_message=lambda program: f"Created {program.name}.", redirect_to=next_page,
        template="programs/create.html")


@org_view("manager")
@require_GET
def program_detail(request, org, membership, program_id):
    program = org_get_or_404(Program, org, pk=program_id)
    cohorts = list(sel.cohorts_of(org=org, program=program))
    return render(request, "programs/detail.html", {"program": program, "cohorts": cohorts})


@org_view("manager")
@require_http_methods(["GET", "POST"])
def cohort_create(request, org, membership, program_id):
    program = org_get_or_404(Program, org, pk=program_id)
    if request.method == "POST":
        form = CohortForm(request.POST)
    else:
        number = Cohort.objects.for_org(org).filter(program=program).count() + 1
        form = CohortForm(initial={"name": f"Cohort {number}", "ratio": org.cohort_ratio})
    return form_view(
        request, form, run=lambda form: svc.cohort_create(actor=membership, program=program, **form.cleaned_data),
        success_message=lambda cohort: f"Created {cohort.name}. Add its participants next.",
        redirect_to=lambda cohort: reverse("cohort_participants", args=[org.slug, cohort.pk]),
        template="programs/cohort_create.html", context={"program": program})


# --- Participants ---------------------------------------------------------------------------------

@org_view("manager")
@require_http_methods(["GET", "POST"])
def cohort_participants(request, org, membership, cohort_id):
    cohort = org_get_or_404(Cohort, org, pk=cohort_id)
    q = (request.GET.get("q") or "").strip()[:100]
    people = Paginator(selectors.people_list(org=org, q=q), PAGE_SIZE).get_page(request.GET.get("page"))
    teams = selectors.teams_of(org)
    how = request.POST.get("how") if request.method == "POST" else None
    forms = {"pick": PickForm(request.POST if how == "pick" else None),
             "filter": FilterForm(request.POST if how == "filter" else None, teams=teams),
             "csv": CsvForm(request.POST if how == "csv" else None, request.FILES if how == "csv" else None)}
    status = 200
    if how in forms:
        form = forms[how]
        if form.is_valid():
            try:
                result = _add_participants(membership, cohort, how, form)
            except DomainError as error:
                form_errors_from(form, error)
                status = error.status_code
            else:
                messages.success(request, f"Added {result['added']} participant(s)"
                                 + (f"; {result['skipped']} were in the cohort already." if result["skipped"] else "."))
                return redirect("cohort_participants", org_slug=org.slug, cohort_id=cohort.pk)
        else:
            status = 400
    context = {"cohort": cohort, "people": people, "q": q, "forms": forms, "active": how or "pick",
               "participants": list(sel.participants_of(cohort)),
               "in_cohort": set(Participant.objects.for_org(org).filter(cohort=cohort)
                                .values_list("membership_id", flat=True))}
    return render(request, "programs/participants.html", context, status=status)


def _add_participants(actor, cohort, how, form) -> dict:
    data = form.cleaned_data
    if how == "pick":
        return svc.participants_add(actor=actor, cohort=cohort, role=data["role"], membership_ids=data["people"])
    if how == "filter":
        return svc.participants_add_by_filter(
            actor=actor, cohort=cohort, role=data["role"], team=data["team"], title=data["title"],
            hired_from=data["hired_from"], hired_to=data["hired_to"], hired_within_days=data["hired_within_days"])
    return svc.participants_add_csv(actor=actor, cohort=cohort, content=data["file"].read())


@org_view("manager")
@require_http_methods(["GET", "POST"])
def participant_edit(request, org, membership, cohort_id, participant_id):
    cohort = org_get_or_404(Cohort, org, pk=cohort_id)
    participant = org_get_or_404(Participant, org, pk=participant_id, cohort=cohort)
    other_role = "mentor" if participant.role == "mentee" else "mentee"
    form_kwargs = {"participant": participant, "others": list(sel.participants_of(cohort, role=other_role))}
    if request.method == "POST":
        form = ParticipantForm(request.POST, **form_kwargs)
    else:
        form = ParticipantForm(initial={
            "goals": participant.goals, "capacity": participant.capacity,
            "goal_skills": ", ".join(s.name for s in participant.goal_skills.all()),
            "opt_outs": [str(pk) for pk in participant.opt_outs.values_list("pk", flat=True)]}, **form_kwargs)
    return form_view(
        request, form,
        run=lambda form: svc.participant_update(actor=membership, participant=participant, **form.service_kwargs()),
        success_message=f"Saved {participant.membership.display_name}.",
        redirect_to=reverse("cohort_participants", args=[org.slug, cohort.pk]),
        template="programs/participant_edit.html", context={"cohort": cohort, "participant": participant})


@org_view("manager")
@require_POST
def participant_remove(request, org, membership, cohort_id, participant_id):
    cohort = org_get_or_404(Cohort, org, pk=cohort_id)
    participant = org_get_or_404(Participant, org, pk=participant_id, cohort=cohort)
    return action_view(request, act=lambda: svc.participant_remove(actor=membership, participant=participant),
                       done_message=f"Removed {participant.membership.display_name} from the cohort.",
                       redirect_to=reverse("cohort_participants", args=[org.slug, cohort.pk]))


# --- Review and adjust pairs -----------------------------------------------------------------------------

def _review(request, org, cohort, status=200, swap_form=None, assign_form=None):
    review = sel.cohort_review(cohort)
    context = {
        "cohort": cohort, **review,
        "swap_form": swap_form or SwapForm(pairs=review["pairs"]),
        "assign_form": assign_form or AssignForm(mentees=review["unpaired"], mentors=review["mentors"]),
    }
    return render(request, "programs/cohort.html", context, status=status)


@org_view("manager")
@require_GET
def cohort_detail(request, org, membership, cohort_id):
    cohort = org_get_or_404(Cohort, org, pk=cohort_id)
    return _review(request, org, cohort)


def _act(request, org, cohort, call, success: str, anchor="#pairs"):
    """Run a service call; success → back to the review page, a domain error →
    the page again with the message and the error's status."""
    try:
        call()
    except DomainError as error:
        messages.error(request, error.first_message)
        return _review(request, org, cohort, status=error.status_code)
    messages.success(request, success)
    return _to_cohort(org, cohort, anchor)


@org_view("manager")
@require_POST
def cohort_pairing_run(request, org, membership, cohort_id):
    cohort = org_get_or_404(Cohort, org, pk=cohort_id)
    try:
        run = svc.pairing_run(actor=membership, cohort=cohort)
    except DomainError as error:
        messages.error(request, error.first_message)
        return _review(request, org, cohort, status=error.status_code)
    if run.status == PairingRun.Status.DONE:
        messages.success(request, f"Pairing proposed {run.pair_count} pair(s); {run.unmatched_count} mentee(s) "
                                  f"unmatched. Review them below.")
    elif run.status == PairingRun.Status.FAILED:
        messages.error(request, f"Pairing failed: {run.error}")
    return _to_cohort(org, cohort, "#pairing")


@org_view("manager")
@require_GET
def pairing_run_progress(request, org, membership, run_id):
    run = org_get_or_404(PairingRun, org, pk=run_id)
    response = render(request, "programs/_run_progress.html", {"run": run, "cohort": run.cohort})
    if request.htmx and not run.is_open:
        response["HX-Refresh"] = "true"  # the pairs are in: reload the review page
    return response


@org_view("manager")
@require_POST
def pair_lock(request, org, membership, pair_id):
    pair = org_get_or_404(Pair, org, pk=pair_id)
    return _act(request, org, pair.cohort, lambda: svc.pair_lock(actor=membership, pair=pair),
                "Locked: pairing again keeps this pair.")


@org_view("manager")
@require_POST
def pair_unlock(request, org, membership, pair_id):
    pair = org_get_or_404(Pair, org, pk=pair_id)
    return _act(request, org, pair.cohort, lambda: svc.pair_unlock(actor=membership, pair=pair), "Unlocked.")


@org_view("manager")
@require_POST
def pair_unpair(request, org, membership, pair_id):
    pair = org_get_or_404(Pair, org, pk=pair_id)
    return _act(request, org, pair.cohort, lambda: svc.pair_unpair(actor=membership, pair=pair),
                "Unpaired: the mentee is waiting for a mentor.")


@org_view("manager")
@require_POST
def cohort_swap(request, org, membership, cohort_id):
    cohort = org_get_or_404(Cohort, org, pk=cohort_id)
    form = SwapForm(request.POST, pairs=sel.pairs_of(cohort))
    if not form.is_valid():
        return _review(request, org, cohort, status=400, swap_form=form)
    pair = org_get_or_404(Pair, org, pk=form.cleaned_data["pair"], cohort=cohort)
    other = org_get_or_404(Pair, org, pk=form.cleaned_data["other"], cohort=cohort)
    return _act(request, org, cohort, lambda: svc.pair_swap(actor=membership, pair=pair, other=other),
                "Swapped the mentors.")


@org_view("manager")
@require_POST
def cohort_assign(request, org, membership, cohort_id):
    cohort = org_get_or_404(Cohort, org, pk=cohort_id)
    review = sel.cohort_review(cohort)
    form = AssignForm(request.POST, mentees=review["unpaired"], mentors=review["mentors"])
    if not form.is_valid():
        return _review(request, org, cohort, status=400, assign_form=form)
    mentee = org_get_or_404(Participant, org, pk=form.cleaned_data["mentee"], cohort=cohort)
    mentor = org_get_or_404(Participant, org, pk=form.cleaned_data["mentor"], cohort=cohort)
    return _act(request, org, cohort, lambda: svc.pair_assign(actor=membership, mentee=mentee, mentor=mentor),
                "Paired by hand (locked).")


def _confirm(request, org, cohort, call, *, title, body, label, success, danger=False):
    if request.method == "POST":
        return _act(request, org, cohort, call, success, anchor="")
    return render(request, "confirm.html", {
        "title": title, "body": body, "confirm_label": label, "danger": danger,
        "cancel_url": reverse("cohort_detail", args=[org.slug, cohort.pk])})


@org_view("manager")
@require_http_methods(["GET", "POST"])
def cohort_publish(request, org, membership, cohort_id):
    cohort = org_get_or_404(Cohort, org, pk=cohort_id)
    count = Pair.objects.for_org(org).filter(cohort=cohort).count()
    return _confirm(request, org, cohort, lambda: svc.cohort_publish(actor=membership, cohort=cohort),
                    title=f"Publish {cohort.name}?",
                    body=f"The {count} pair(s) become official; each mentee and mentor is told in the app and by "
                         f"email and sees their pair on their home page. Pairs cannot change afterwards.",
                    label="Publish pairs", success="Published. Participants have been told.")


@org_view("manager")
@require_http_methods(["GET", "POST"])
def cohort_end(request, org, membership, cohort_id):
    cohort = org_get_or_404(Cohort, org, pk=cohort_id)
    return _confirm(request, org, cohort, lambda: svc.cohort_end(actor=membership, cohort=cohort),
                    title=f"End {cohort.name}?",
                    body="The pairs stop showing on home pages. The next cohort of this program avoids them.",
                    label="End cohort", success="Cohort ended.", danger=True)


@org_view("manager")
@require_GET
def cohort_history(request, org, membership, cohort_id):
    cohort = org_get_or_404(Cohort, org, pk=cohort_id)
    page = Paginator(sel.history_of(cohort), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "programs/history.html", {"cohort": cohort, "page": page})

