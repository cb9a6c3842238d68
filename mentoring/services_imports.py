"""Applying a previewed CSV import, the part every import shares (people in
``mentoring.services``; role events and ramp milestones in
``metrics.services_events_import``): all rows or none, once."""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction

from .errors import Conflict, DomainError
from .models import Organization
from .models_imports import UploadedCsv


def csv_import_apply(*, org: Organization, upload: UploadedCsv, preview: Callable[[UploadedCsv], dict],
                     apply: Callable[[UploadedCsv, dict], dict], describe: Callable[[dict], str]) -> dict:
    """Lock the upload, preview it again and ``apply`` it when every row is valid.

    A file with errors is marked failed and refused with up to 50 of its
    problems (``describe`` words one); an applied file cannot be applied twice."""
    model = type(upload)
    with transaction.atomic():
        upload = model.objects.for_org(org).select_for_update().get(pk=upload.pk)
        if upload.status == model.Status.APPLIED:
            raise Conflict("This import was already applied.")
        result = preview(upload)
        if result["ok"]:
            return apply(upload, result)
    # Outside the transaction, so the mark survives the refusal.
    model.objects.for_org(org).filter(pk=upload.pk).update(status=model.Status.FAILED)
    raise DomainError({"file": [describe(error) for error in result["errors"][:50]]})
