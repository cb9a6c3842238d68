"""An uploaded HRIS export (role events or ramp milestones) between preview and apply.

Kept apart from ``metrics/models.py`` (imported there so Django sees it); what
every CSV import stores is in ``mentoring.models_imports.UploadedCsv``.
"""

from __future__ import annotations

from django.db import models

from mentoring.models_imports import UploadedCsv


class EventImport(UploadedCsv):
    """One uploaded CSV of role events or of ramp milestones."""

    class Kind(models.TextChoices):
        ROLE_EVENTS = "events", "Role events"
        MILESTONES = "milestones", "Ramp milestones"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    unchanged_count = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return self.filename or f"{self.get_kind_display()} import"
