"""What every CSV import keeps between preview and apply (people here; role events
and ramp milestones in ``metrics.models_imports``): the upload is stored so that
the preview and the apply read the very same text."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from .tenancy import OrgOwned


class UploadedCsv(OrgOwned):
    """Abstract: one uploaded CSV, its status and what applying it did."""

    class Status(models.TextChoices):
        PREVIEW = "preview", "Previewed"
        APPLIED = "applied", "Applied"
        FAILED = "failed", "Had errors"

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    filename = models.CharField(max_length=200, blank=True)
    content = models.TextField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PREVIEW)
    row_count = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    applied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["-created_at"]
