"""An uploaded HRIS export (role events or ramp milestones) between preview and apply.

Kept apart from ``metrics/models.py`` (imported there so Django sees it): the
upload is stored so that the preview and the apply read the very same text.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from mentoring.tenancy import OrgOwned


class EventImport(OrgOwned):
    """One uploaded CSV of role events or of ramp milestones."""

    class Kind(models.TextChoices):
        ROLE_EVENTS = "events", "Role events"
        MILESTONES = "milestones", "Ramp milestones"

    class Status(models.TextChoices):
        PREVIEW = "preview", "Previewed"
        APPLIED = "applied", "Applied"
        FAILED = "failed", "Had errors"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    filename = models.CharField(max_length=200, blank=True)
    content = models.TextField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PREVIEW)
    row_count = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    unchanged_count = models.PositiveIntegerField(default=0)
    applied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.filename or f"{self.get_kind_display()} import"
