"""Nudges: follow-up reminders delivered once, at the right moment, through
the channels the person chose. Imported at the end of ``sessions_app.models``.

A ``Nudge`` row is the unit of exactly-once: one per (kind, subject,
recipient, period) under a unique constraint, created by idempotent sweeps
(INSERT … ON CONFLICT DO NOTHING) and claimed by one worker with a
compare-and-swap before anything is sent (``services/nudges.py``).
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from mentoring.models import Membership
from mentoring.tenancy import OrgOwned

__all__ = ["NudgeKind", "Nudge", "Notification", "NudgePreference", "OrgNudgeSetting"]


class NudgeKind(models.TextChoices):
    """Extensible: a new kind is a new choice, a sweep and an email text."""

    NEXT_STEP_DUE = "next_step_due", "Next step due tomorrow"
    NEXT_STEP_OVERDUE = "next_step_overdue", "Next step overdue"
    SESSION_UNLOGGED = "session_unlogged", "Session not logged yet"
    SURVEY_PENDING = "survey_pending", "Survey not answered yet"
    # External mentors (issue 3): to program managers.
    TRIAL_ENDING = "trial_ending", "External mentor's paid trial ending"


class Nudge(OrgOwned):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        DEFERRED = "deferred", "Deferred (focus time or outside working hours)"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"

    CLAIMABLE = (Status.PENDING, Status.DEFERRED)

    kind = models.CharField(max_length=40, choices=NudgeKind.choices)
    recipient = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="nudges")
    # Generic subject: what the nudge is about (a next step, a session …).
    subject_kind = models.CharField(max_length=40)
    subject_id = models.UUIDField()
    # Which occurrence: the due date, "2026-03-30#2" for the 2nd overdue reminder, "" for once-only kinds.
    period = models.CharField(max_length=40, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    due_at = models.DateTimeField(help_text="When the nudge became due.")
    deliver_after = models.DateTimeField(help_text="First moment outside focus time and inside working hours.")
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    # What the message says, captured by the sweep (so delivery needs no joins).
    payload = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-due_at"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "subject_id", "recipient", "period"], name="nudge_once"),
        ]
        indexes = [
            # The delivery sweep: due, claimable nudges in deliver_after order.
            models.Index(fields=["deliver_after"], condition=Q(status__in=["pending", "deferred"]),
                         name="nudge_claimable_due"),
            models.Index(fields=["organization", "kind", "status", "due_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.recipient_id} ({self.period or 'once'}): {self.status}"


class Notification(OrgOwned):
    """An entry in the person's in-app notification centre."""

    recipient = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="notifications")
    nudge = models.OneToOneField(Nudge, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="notification")
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    link = models.CharField(max_length=500, blank=True, help_text="Path inside Touchpoint.")
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "-created_at"]),
            models.Index(fields=["recipient"], condition=Q(read_at__isnull=True), name="notification_unread"),
        ]


class NudgePreference(OrgOwned):
    """A person's channels for one kind. No row: both channels on."""

    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="nudge_preferences")
    kind = models.CharField(max_length=40, choices=NudgeKind.choices)
    email = models.BooleanField(default=True)
    in_app = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["membership", "kind"], name="nudge_preference_once")]


class OrgNudgeSetting(OrgOwned):
    """A kind switched on or off for the whole organisation. No row: on."""

    kind = models.CharField(max_length=40, choices=NudgeKind.choices)
    enabled = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization", "kind"], name="org_nudge_setting_once")]
