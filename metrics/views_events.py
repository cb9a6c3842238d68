"""Pages of the metrics inputs (program managers and HR viewers): role events,
ramp milestone definitions and milestones, and their CSV import
(upload → preview → apply, like the people import)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from mentoring.errors import DomainError
from mentoring.tenancy import org_get_or_404
from mentoring.views.base import confirm_view, form_view, org_view

from . import events_csv
from . import selectors_events as sel
from . import services_events as svc
from . import services_events_import as imports
from .forms_events import EventImportForm, RampDefinitionForm, RampMilestoneForm, RoleEventFilterForm, RoleEventForm
from .models import EventImport, RampMilestone, RampMilestoneDefinition, RoleEvent

KEEPERS = svc.KEEPERS
PAGE_SIZE = 50
PREVIEW_ROWS_SHOWN = 200
PREVIEW_ERRORS_SHOWN = 500


# --- Role events ---------------------------------------------------------------------------------

@org_view(*KEEPERS)
@require_http_methods(["GET"])
def role_event_list(request, org, membership):
    form = RoleEventFilterForm(request.GET, teams=sel.event_teams(org))
    filters = form.filters()
    page = Paginator(sel.role_events_list(org=org, **filters), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "metrics/events/list.html", {
        "form": form, "page": page, "filtered": any(filters.values()),
        "active_definition": sel.active_ramp_definition(org)})


@org_view(*KEEPERS)
@require_http_methods(["GET", "POST"])
def role_event_create(request, org, membership):
    form = RoleEventForm(request.POST, org=org) if request.method == "POST" else \
        RoleEventForm(org=org, initial={"kind": request.GET.get("kind", "hire")})
    return form_view(
        request, form, run=lambda form: svc.role_event_record(actor=membership, **form.service_kwargs()),
        success_message=lambda event: f"Recorded: {event.get_kind_display().lower()} of "
                                      f"{event.member.display_name} on {event.effective_on:%-d %b %Y}.",
        redirect_to=reverse("role_event_list", args=[org.slug]),
        template="metrics/events/form.html", context={"event": None})


@org_view(*KEEPERS)
@require_http_methods(["GET", "POST"])
def role_event_edit(request, org, membership, event_id):
    event = org_get_or_404(RoleEvent, org, pk=event_id)
    form = RoleEventForm(request.POST, org=org, editing=True) if request.method == "POST" else \
        RoleEventForm(org=org, editing=True, initial=RoleEventForm.initial_for(event))
    return form_view(
        request, form, run=lambda form: svc.role_event_update(actor=membership, event=event, **form.service_kwargs()),
        success_message=lambda _: f"Saved the {event.get_kind_display().lower()} of {event.member.display_name}.",
        redirect_to=reverse("role_event_list", args=[org.slug]),
        template="metrics/events/form.html", context={"event": event})


@org_view(*KEEPERS)
@require_http_methods(["GET", "POST"])
def role_event_delete(request, org, membership, event_id):
    event = org_get_or_404(RoleEvent, org, pk=event_id)
    what = f"{event.get_kind_display().lower()} of {event.member.display_name} on {event.effective_on:%-d %b %Y}"
    back = reverse("role_event_list", args=[org.slug])
    return confirm_view(
        request, act=lambda: svc.role_event_delete(actor=membership, event=event),
        title=f"Delete the {what}?", body="Ramp time, mobility and promotion figures are recomputed without it.",
        confirm_label="Delete role event", cancel_url=back, done_message=f"Deleted the {what}.", redirect_to=back)


# --- Ramp milestone definitions -------------------------------------------------------------------

@org_view(*KEEPERS)
@require_http_methods(["GET", "POST"])
def ramp_definition_list(request, org, membership):
    """The org's ramp milestone definitions and a form to add one."""
    form = RampDefinitionForm(request.POST) if request.method == "POST" else RampDefinitionForm()
    return form_view(
        request, form,
        run=lambda form: svc.ramp_definition_create(actor=membership, name=form.cleaned_data["name"],
                                                    description=form.cleaned_data["description"],
                                                    is_active=form.cleaned_data["is_active"] or None),
        success_message=lambda definition: f"Added the ramp milestone “{definition.name}”.",
        redirect_to=reverse("ramp_definition_list", args=[org.slug]),
        template="metrics/events/definitions.html", context=lambda: {"definitions": list(sel.ramp_definitions(org))})


@org_view(*KEEPERS)
@require_http_methods(["GET", "POST"])
def ramp_definition_edit(request, org, membership, definition_id):
    definition = org_get_or_404(RampMilestoneDefinition, org, pk=definition_id)
    form = RampDefinitionForm(request.POST) if request.method == "POST" else \
        RampDefinitionForm(initial={"name": definition.name, "description": definition.description,
                                    "is_active": definition.is_active})
    return form_view(
        request, form,
        run=lambda form: svc.ramp_definition_update(actor=membership, definition=definition, **form.cleaned_data),
        success_message=lambda _: f"Saved the ramp milestone “{form.cleaned_data['name']}”.",
        redirect_to=reverse("ramp_definition_list", args=[org.slug]),
        template="metrics/events/definition_edit.html", context={"definition": definition})


@org_view(*KEEPERS)
@require_http_methods(["GET", "POST"])
def ramp_definition_delete(request, org, membership, definition_id):
    definition = org_get_or_404(RampMilestoneDefinition, org, pk=definition_id)
    name = definition.name
    back = reverse("ramp_definition_list", args=[org.slug])

    def body():
        count = RampMilestone.objects.for_org(org).filter(definition=definition).count()
        return (f"The {count} milestone{'s' * (count != 1)} recorded against it are deleted too"
                f"{' and ramp time has no milestone to measure to' if definition.is_active else ''}.")

    return confirm_view(
        request, act=lambda: svc.ramp_definition_delete(actor=membership, definition=definition),
        title=f"Delete the ramp milestone “{name}”?", body=body, confirm_label="Delete milestone definition",
        cancel_url=back, redirect_to=back,
        done_message=lambda count: f"Deleted the ramp milestone “{name}” and {count} recorded "
                                   f"milestone{'s' * (count != 1)}.")


# --- Ramp milestones ------------------------------------------------------------------------------

@org_view(*KEEPERS)
@require_http_methods(["GET"])
def ramp_milestone_list(request, org, membership):
    definitions = list(sel.ramp_definitions(org))
    chosen = next((d for d in definitions if str(d.pk) == request.GET.get("definition")), None)
    page = Paginator(sel.ramp_milestones_list(org=org, definition=chosen), PAGE_SIZE) \
        .get_page(request.GET.get("page"))
    return render(request, "metrics/events/milestones.html",
                  {"definitions": definitions, "chosen": chosen, "page": page})


@org_view(*KEEPERS)
@require_http_methods(["GET", "POST"])
def ramp_milestone_create(request, org, membership):
    form = RampMilestoneForm(request.POST, org=org) if request.method == "POST" else RampMilestoneForm(org=org)
    return form_view(
        request, form, run=lambda form: svc.ramp_milestone_record(actor=membership, **form.cleaned_data),
        success_message=lambda milestone: f"Recorded: {milestone.member.display_name} reached "
                                          f"“{milestone.definition.name}” on {milestone.reached_on:%-d %b %Y}.",
        redirect_to=reverse("ramp_milestone_list", args=[org.slug]), template="metrics/events/milestone_form.html")


@org_view(*KEEPERS)
@require_http_methods(["GET", "POST"])
def ramp_milestone_delete(request, org, membership, milestone_id):
    milestone = org_get_or_404(RampMilestone, org, pk=milestone_id)
    what = f"“{milestone.definition.name}” of {milestone.member.display_name} on {milestone.reached_on:%-d %b %Y}"
    back = reverse("ramp_milestone_list", args=[org.slug])
    return confirm_view(
        request, act=lambda: svc.ramp_milestone_delete(actor=membership, milestone=milestone),
        title=f"Delete the milestone {what}?",
        body="Their ramp time counts as not reached (censored) until a milestone is recorded again.",
        confirm_label="Delete milestone", cancel_url=back, done_message=f"Deleted the milestone {what}.",
        redirect_to=back)


# --- Import -------------------------------------------------------------------------------------

@org_view(*KEEPERS)
@require_http_methods(["GET", "POST"])
def event_import(request, org, membership):
    def upload(form):
        file = form.cleaned_data["file"]
        return imports.event_import_upload(actor=membership, kind=form.cleaned_data["kind"],
                                           filename=file.name, content=file.read())

    form = EventImportForm(request.POST, request.FILES) if request.method == "POST" else EventImportForm()
    return form_view(
        request, form, run=upload, success_message=None,
        redirect_to=lambda uploaded: reverse("event_import_preview", args=[org.slug, uploaded.pk]),
        template="metrics/events/import.html", context={"max_rows": settings.METRICS_IMPORT_MAX_ROWS})


@org_view(*KEEPERS)
@require_http_methods(["GET", "POST"])
def event_import_preview(request, org, membership, import_id):
    uploaded = org_get_or_404(EventImport, org, pk=import_id)
    status = 200
    if request.method == "POST":
        try:
            result = imports.event_import_apply(actor=membership, event_import=uploaded)
        except DomainError as error:
            messages.error(request, f"Nothing was imported: {error.first_message}")
            uploaded.refresh_from_db()
            status = error.status_code
        else:
            messages.success(request, f"Import applied: {result['created']} added, {result['updated']} updated, "
                                      f"{result['unchanged']} already there.")
            target = "role_event_list" if uploaded.kind == EventImport.Kind.ROLE_EVENTS else "ramp_milestone_list"
            return redirect(target, org_slug=org.slug)
    preview = imports.event_import_preview(org=org, event_import=uploaded)
    return render(request, "metrics/events/import_preview.html", {
        "event_import": uploaded, "preview": preview,
        "applied": uploaded.status == EventImport.Status.APPLIED,
        "errors_shown": preview["errors"][:PREVIEW_ERRORS_SHOWN], "rows_shown": preview["rows"][:PREVIEW_ROWS_SHOWN],
        "is_events": uploaded.kind == EventImport.Kind.ROLE_EVENTS}, status=status)


@org_view(*KEEPERS)
@require_http_methods(["GET"])
def event_import_template(request, org, membership, kind):
    if kind not in EventImport.Kind.values:
        raise Http404("No such template.")
    if kind == EventImport.Kind.ROLE_EVENTS:
        body = events_csv.render(events_csv.EVENT_COLUMNS, [
            {"email": "ada@example.com", "kind": "hire", "effective_on": "2026-01-12", "title_after": "Engineer",
             "team_after": "Payments"},
            {"email": "ada@example.com", "kind": "transfer", "effective_on": "2026-06-01", "title_before": "Engineer",
             "title_after": "Engineer", "team_before": "Payments", "team_after": "Search"},
            {"email": "bob@example.com", "kind": "promotion", "effective_on": "2026-04-01",
             "title_before": "Engineer", "title_after": "Senior Engineer", "team_before": "Search",
             "team_after": "Search"}])
    else:
        active = sel.active_ramp_definition(org)
        name = active.name if active else "First production change shipped"
        body = events_csv.render(events_csv.MILESTONE_COLUMNS, [
            {"email": "ada@example.com", "milestone": name, "reached_on": "2026-02-20"}])
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="touchpoint-{kind}-template.csv"'
    return response
