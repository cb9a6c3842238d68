"""People events, ramp milestones and metric snapshots (issue 6).

The definitions the figures follow are in DESIGN.md §5 and docs/metrics.md.
Role events and ramp milestones are *inputs* (entered, imported from an HRIS
export, or sent through the API); snapshots are *outputs* kept by Celery so
that dashboards read one row instead of aggregating history per request.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from mentoring.tenancy import OrgOwned

__all__ = ["RoleEvent", "RampMilestoneDefinition", "RampMilestone", "MetricSnapshot"]


class Source(models.TextChoices):
    MANUAL = "manual", "Entered in the app"
    IMPORT = "import", "Imported (CSV)"
    API = "api", "API"
    SEED = "seed", "Demo seed"


class RoleEvent(OrgOwned):
    """A role change of one person: hire, transfer (new team or role) or promotion.

    A hire or a transfer *starts a role* (the start of a ramp); a promotion is
    counted by promotion velocity. One event per person, kind and day.
    """

    class Kind(models.TextChoices):
        HIRE = "hire", "Hire"
        TRANSFER = "transfer", "Transfer"
        PROMOTION = "promotion", "Promotion"

    ROLE_STARTS = (Kind.HIRE, Kind.TRANSFER)

    member = models.ForeignKey("mentoring.Membership", on_delete=models.CASCADE, related_name="role_events")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    effective_on = models.DateField()
    title_before = models.CharField(max_length=120, blank=True)
    title_after = models.CharField(max_length=120, blank=True)
    team_before = models.CharField(max_length=80, blank=True)
    team_after = models.CharField(max_length=80, blank=True)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.MANUAL)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-effective_on", "member"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "member", "kind", "effective_on"],
                                    name="role_event_unique_per_day"),
        ]
        indexes = [
            models.Index(fields=["organization", "kind", "effective_on"]),
            models.Index(fields=["organization", "member", "effective_on"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of {self.member} on {self.effective_on}"


class RampMilestoneDefinition(OrgOwned):
    """What "ramped" means in this org, e.g. "first production change shipped"."""

    name = models.CharField(max_length=120)
    description = models.TextField(blank=True, max_length=2000)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="ramp_definition_name_unique_per_org"),
        ]

    def __str__(self) -> str:
        return self.name


class RampMilestone(OrgOwned):
    """The day one person reached a ramp milestone (after their latest role start)."""

    member = models.ForeignKey("mentoring.Membership", on_delete=models.CASCADE, related_name="ramp_milestones")
    definition = models.ForeignKey(RampMilestoneDefinition, on_delete=models.CASCADE, related_name="milestones")
    reached_on = models.DateField()
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.MANUAL)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-reached_on", "member"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "member", "definition", "reached_on"],
                                    name="ramp_milestone_unique_per_day"),
        ]
        indexes = [models.Index(fields=["organization", "member", "reached_on"])]

    def __str__(self) -> str:
        return f"{self.member} reached {self.definition} on {self.reached_on}"


class MetricSnapshot(OrgOwned):
    """One computed figure set for a scope and period, as served to dashboards.

    ``scope`` is org / program / cohort / team; ``scope_key`` the program or
    cohort id or the team name ("" for the org). ``payload`` holds the figures
    with their ``n`` already suppressed below the org's k.
    """

    class Scope(models.TextChoices):
        ORG = "org", "Organisation"
        PROGRAM = "program", "Program"
        COHORT = "cohort", "Cohort"
        TEAM = "team", "Team"

    scope = models.CharField(max_length=10, choices=Scope.choices, default=Scope.ORG)
    scope_key = models.CharField(max_length=120, blank=True, default="")
    metric = models.CharField(max_length=40)
    period_start = models.DateField()
    period_end = models.DateField()
    payload = models.JSONField(default=dict)
    computed_at = models.DateTimeField()
    full_recompute = models.BooleanField(default=False, help_text="Written by the nightly full recompute.")

    class Meta:
        ordering = ["metric", "scope", "scope_key", "-period_end"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "metric", "scope", "scope_key", "period_start",
                                            "period_end"], name="metric_snapshot_unique"),
            models.CheckConstraint(condition=Q(period_start__lte=models.F("period_end")),
                                   name="metric_snapshot_period_ordered"),
        ]

    def __str__(self) -> str:
        return f"{self.metric} {self.scope}:{self.scope_key} {self.period_start}…{self.period_end}"


# Kept in its own module (the inputs' import between preview and apply); imported so Django sees it.
from .models_imports import EventImport  # noqa: E402

__all__ += ["EventImport"]
