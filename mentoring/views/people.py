"""People: the directory with live search, a person's page and edit form,
CSV import (upload → preview → apply) and export."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_http_methods

from .. import people_csv, selectors, services
from ..errors import DomainError
from ..forms import PeopleFilterForm, PeopleImportForm, PersonForm
from ..models import Membership, PeopleImport
from ..tenancy import org_get_or_404
from .base import form_errors_from, form_view, org_view

PAGE_SIZE = 50
PREVIEW_ROWS_SHOWN = 200
PREVIEW_ERRORS_SHOWN = 500


@org_view()
def people_list(request, org, membership):
    form = PeopleFilterForm(request.GET, teams=selectors.teams_of(org))
    filters = form.filters()
    page = Paginator(selectors.people_list(org=org, **filters), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"form": form, "page": page, "filtered": any(filters.values())}
    # A live-search request gets the results only; a history restore needs the whole page.
    if request.htmx and not request.htmx.history_restore_request:
        response = render(request, "people/_results.html", context)
    else:
        response = render(request, "people/list.html", context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@org_view()
def person_detail(request, org, membership, person_id):
    person = org_get_or_404(Membership, org, pk=person_id)
    context = {
        "person": person,
        "skills": list(person.skills.all()),
        "work_items": list(person.work_items.all()),
        "reports": list(Membership.objects.for_org(org).filter(manager=person, is_active=True)
                        .only("id", "display_name", "title")),
        "can_edit": membership.is_manager or membership.pk == person.pk,
    }
    return render(request, "people/detail.html", context)


@org_view()
@require_http_methods(["GET", "POST"])
def person_edit(request, org, membership, person_id):
    person = org_get_or_404(Membership, org, pk=person_id)
    if not (membership.is_manager or membership.pk == person.pk):
        raise PermissionDenied("Only a program manager or the person themself can edit this profile.")
    form_kwargs = {"org": org, "person": person, "can_edit_terms": membership.is_manager}
    form = PersonForm(request.POST, **form_kwargs) if request.method == "POST" else \
        PersonForm(initial=PersonForm.initial_for(person), **form_kwargs)
    return form_view(
        request, form, run=lambda form: services.person_update(actor=membership, membership=person,
                                                               **form.service_kwargs()),
        success_message=lambda _: f"Saved {form.cleaned_data['display_name']}’s profile.",
        redirect_to=reverse("person_detail", args=[org.slug, person.pk]),
        template="people/edit.html", context={"person": person})


@org_view("manager")
@require_http_methods(["GET", "POST"])
def people_import(request, org, membership):
    if request.method == "POST":
        form = PeopleImportForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                people_import = services.people_import_upload(actor=membership, filename=upload.name,
                                                              content=upload.read())
            except DomainError as error:
                form_errors_from(form, error)
            else:
                return redirect("people_import_preview", org_slug=org.slug, import_id=people_import.pk)
        status = 400
    else:
        form, status = PeopleImportForm(), 200
    context = {"form": form, "max_rows": settings.PEOPLE_IMPORT_MAX_ROWS}
    return render(request, "people/import.html", context, status=status)


@org_view("manager")
@require_http_methods(["GET", "POST"])
def people_import_preview(request, org, membership, import_id):
    people_import = org_get_or_404(PeopleImport, org, pk=import_id)
    status = 200
    if request.method == "POST":
        try:
            result = services.people_import_apply(actor=membership, people_import=people_import)
        except DomainError as error:
            messages.error(request, f"Nothing was imported: {error.first_message}")
            people_import.refresh_from_db()
            status = error.status_code
        else:
            messages.success(request, f"Import applied: {result['created']} created, {result['updated']} updated.")
            return redirect("people_list", org_slug=org.slug)
    preview = services.people_import_preview(org=org, people_import=people_import)
    context = {
        "people_import": people_import,
        "preview": preview,
        "applied": people_import.status == PeopleImport.Status.APPLIED,
        "errors_shown": preview["errors"][:PREVIEW_ERRORS_SHOWN],
        "rows_shown": preview["rows"][:PREVIEW_ROWS_SHOWN],
    }
    return render(request, "people/import_preview.html", context, status=status)


@org_view("manager")
def people_import_template(request, org, membership):
    example = [
        {"email": "ada@example.com", "display_name": "Ada Lovelace", "title": "Staff Engineer", "team": "Payments",
         "time_zone": "Europe/London", "working_hours_start": "09:00", "working_hours_end": "17:30",
         "hire_date": "2021-03-01", "role_start_date": "2023-01-01", "skills": ["System design", "Go"],
         "work_items": ["Payments v2|https://example.com/payments-v2"], "roles": ["mentor"], "external": False},
        {"email": "bob@example.com", "display_name": "Bob Byte", "title": "Engineer", "team": "Payments",
         "manager_email": "ada@example.com", "time_zone": "Europe/Berlin", "skills": ["Go", "Python"],
         "work_items": ["Payments v2"], "roles": ["mentee"], "hire_date": "2026-09-01"},
    ]
    return _csv_response(people_csv.render(example), "touchpoint-people-template.csv")


@org_view("manager")
def people_export(request, org, membership):
    body = services.people_export(actor=membership)  # audited
    return _csv_response(body, f"{org.slug}-people-{timezone.localdate():%Y-%m-%d}.csv")


def _csv_response(body: str, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
