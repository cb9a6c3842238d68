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

__all__ = ["NudgeKind", "Nudge", "Notification", "NudgePreference", "OrgNudgeSetting", "WeeklyDigest", "OrgWebhook",
           "WebhookDelivery"]


class NudgeKind(models.TextChoices):
    """Extensible: a new kind is a new choice, a sweep and an email text."""

    NEXT_STEP_DUE = "next_step_due", "Next step due tomorrow"
    NEXT_STEP_OVERDUE = "next_step_overdue", "Next step overdue"
    SESSION_UNLOGGED = "session_unlogged", "Session not logged yet"
    SURVEY_PENDING = "survey_pending", "Survey not answered yet"
    # Programs and the weekly ritual (issue 5, second part): services/nudges_programs.py, nudges_digest.py.
    NO_SESSION_14D = "no_session_14d", "No session in 14 days"
    STALLED_PAIR = "stalled_pair", "Pair has not met in 21 days"
    MENTOR_LOAD = "mentor_load", "Mentor carrying too much"
    WEEKLY_DIGEST = "weekly_digest", "Weekly digest"
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


# --- Weekly digest and outbound webhook -------------------------------------------------------------

class WeeklyDigest(OrgOwned):
    """The digest of one ISO week of one organisation: created once (unique),
    when Monday morning comes in the org's zone; its nudges and webhook post hang off it."""

    week_start = models.DateField(help_text="Monday of the ISO week the digest covers.")
    recipients = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-week_start"]
        constraints = [models.UniqueConstraint(fields=["organization", "week_start"], name="weekly_digest_once")]


class OrgWebhook(OrgOwned):
    """An organisation's optional outbound webhook (Slack-compatible JSON).
    Bodies are signed with HMAC-SHA256 under ``secret`` (docs/nudges.md)."""

    url = models.URLField(max_length=500)
    secret = models.CharField(max_length=100)
    enabled = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization"], name="org_webhook_one_per_org")]

    @property
    def masked_secret(self) -> str:
        return f"{self.secret[:4]}…{self.secret[-2:]}" if self.secret else ""


class WebhookDelivery(OrgOwned):
    """One post to the org's webhook: one per (event, subject, period) under a
    unique constraint, claimed with a compare-and-swap, retried with back-off."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    event = models.CharField(max_length=40)
    subject_id = models.UUIDField()
    period = models.CharField(max_length=40, blank=True)
    body = models.TextField(help_text="The exact JSON that is signed and sent.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    next_attempt_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["organization", "event", "subject_id", "period"],
                                               name="webhook_delivery_once")]
        indexes = [models.Index(fields=["next_attempt_at"], condition=Q(status="pending"),
                                name="webhook_delivery_due")]
