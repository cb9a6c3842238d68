"""The network model: time-bank ledger, mentor directory and session requests (issue 3).

The time-bank credits mentors for minutes given in logged sessions and debits
mentees for minutes booked in network programs. A balance can never go
negative: a CheckConstraint in the database, and ``select_for_update`` in
``mentoring.services_timebank`` so concurrent spends queue on the account row.
Every entry names its session; a (session, member, kind) is booked once.
Imported at the end of ``mentoring.models``.
"""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from .tenancy import OrgOwned

__all__ = ["TimeAccount", "TimeEntry", "MentorListing", "SessionRequest"]


class TimeAccount(OrgOwned):
    """A member's time-bank balance, in minutes (one per member and org)."""

    membership = models.OneToOneField("mentoring.Membership", on_delete=models.CASCADE, related_name="time_account")
    balance_minutes = models.IntegerField(default=0)
    # When the starting grant was credited (once, on first use of the account).
    granted_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(balance_minutes__gte=0), name="time_account_never_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.membership_id}: {self.balance_minutes} min"


class TimeEntry(OrgOwned):
    """One movement of a balance: signed minutes, linked to its session."""

    class Kind(models.TextChoices):
        GRANT = "grant", "Starting grant"
        SPEND = "spend", "Booked a session"
        EARN = "earn", "Gave a session"
        REFUND = "refund", "Session cancelled"
        ADJUST = "adjust", "Adjusted by a manager"

    account = models.ForeignKey(TimeAccount, on_delete=models.CASCADE, related_name="entries")
    membership = models.ForeignKey("mentoring.Membership", on_delete=models.CASCADE, related_name="time_entries")
    kind = models.CharField(max_length=6, choices=Kind.choices)
    minutes = models.IntegerField(help_text="Signed: credits are positive, spends negative.")
    balance_after = models.IntegerField()
    session = models.ForeignKey("sessions_app.MentoringSession", null=True, blank=True, on_delete=models.CASCADE,
                                related_name="time_entries")
    reason = models.CharField(max_length=200, blank=True)
    actor = models.ForeignKey("mentoring.Membership", null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "time entries"
        indexes = [models.Index(fields=["membership", "-created_at"])]
        constraints = [
            # Nothing is counted twice: one spend, one refund, one earning per session and person.
            models.UniqueConstraint(fields=["session", "membership", "kind"], condition=Q(session__isnull=False),
                                    name="time_entry_once_per_session"),
            models.UniqueConstraint(fields=["membership"], condition=Q(kind="grant"), name="time_entry_one_grant"),
            models.CheckConstraint(
                condition=(Q(kind__in=["grant", "earn", "refund"], minutes__gt=0) | Q(kind="spend", minutes__lt=0)
                           | (Q(kind="adjust") & ~Q(minutes=0))),
                name="time_entry_sign_matches_kind"),
            models.CheckConstraint(condition=Q(balance_after__gte=0), name="time_entry_balance_never_negative"),
            models.CheckConstraint(condition=Q(kind__in=["grant", "adjust"]) | Q(session__isnull=False),
                                   name="time_entry_linked_to_session"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.minutes:+d} → {self.balance_after}"


class MentorListing(OrgOwned):
    """A mentor's entry in a network program's directory."""

    program = models.ForeignKey("mentoring.Program", on_delete=models.CASCADE, related_name="listings")
    membership = models.ForeignKey("mentoring.Membership", on_delete=models.CASCADE, related_name="listings")
    topics = models.ManyToManyField("mentoring.Skill", blank=True, related_name="+",
                                    help_text="What the mentor offers to talk about.")
    about = models.CharField(max_length=300, blank=True)
    weekly_capacity = models.PositiveSmallIntegerField(
        default=2, validators=[MinValueValidator(1), MaxValueValidator(40)],
        help_text="Directory sessions a week at most.")
    is_available = models.BooleanField(default=True)
    unavailable_message = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(fields=["program", "membership"], name="listing_once_per_program"),
            models.CheckConstraint(condition=Q(weekly_capacity__gte=1), name="listing_capacity_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.membership_id} in {self.program_id}"


class SessionRequest(OrgOwned):
    """A mentee asks a listed mentor for one of the mentor's suggested slots."""

    class Status(models.TextChoices):
        OPEN = "open", "Waiting for an answer"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"
        WITHDRAWN = "withdrawn", "Withdrawn"

    program = models.ForeignKey("mentoring.Program", on_delete=models.CASCADE, related_name="session_requests")
    mentor = models.ForeignKey("mentoring.Membership", on_delete=models.CASCADE, related_name="requests_received")
    mentee = models.ForeignKey("mentoring.Membership", on_delete=models.CASCADE, related_name="requests_sent")
    start = models.DateTimeField()
    minutes = models.PositiveSmallIntegerField()
    note = models.CharField(max_length=500, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    response = models.CharField(max_length=300, blank=True, help_text="The mentor's message when declining.")
    session = models.ForeignKey("sessions_app.MentoringSession", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["mentor", "status"]), models.Index(fields=["mentee", "-created_at"])]
        constraints = [
            models.UniqueConstraint(fields=["mentor", "mentee", "start"], condition=Q(status="open"),
                                    name="request_open_once_per_slot"),
            models.CheckConstraint(condition=~Q(mentor=models.F("mentee")), name="request_two_people"),
        ]

    def __str__(self) -> str:
        return f"{self.mentee_id} → {self.mentor_id} @ {self.start:%Y-%m-%d %H:%M} ({self.status})"
