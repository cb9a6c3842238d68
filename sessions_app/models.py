"""The micro-session loop: availability, external busy times, sessions and
their claims on people's time, logs, next steps, surveys, kudos, feeds."""

from __future__ import annotations

import secrets

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q

from mentoring.models import Membership, WorkItem
from mentoring.tenancy import OrgOwned

WEEKDAYS = [(0, "Monday"), (1, "Tuesday"), (2, "Wednesday"), (3, "Thursday"), (4, "Friday"), (5, "Saturday"),
            (6, "Sunday")]


class OutcomeType(models.TextChoices):
    CODE_REVIEW = "code_review", "Code review"
    DRAFT_OUTLINE = "draft_outline", "Draft outline"
    HIRING_DECISION = "hiring_decision", "Hiring decision"
    INTRODUCTION = "introduction", "Introduction"
    DECISION_MADE = "decision_made", "Decision made"
    OTHER = "other", "Other"


class WeeklyWindow(OrgOwned):
    """A recurring weekly window in the person's own time zone."""

    membership = models.ForeignKey(Membership, on_delete=models.CASCADE)
    weekday = models.PositiveSmallIntegerField(choices=WEEKDAYS, validators=[MaxValueValidator(6)])
    start = models.TimeField()
    end = models.TimeField()

    class Meta:
        abstract = True
        ordering = ["weekday", "start"]


class WorkingWindow(WeeklyWindow):
    """When the person works. None declared: Mon–Fri within the profile's working hours."""

    class Meta(WeeklyWindow.Meta):
        constraints = [models.CheckConstraint(condition=Q(start__lt=F("end")), name="working_window_ordered")]
        default_related_name = "working_windows"


class FocusBlock(WeeklyWindow):
    """Recurring deep-work time: never booked over, nudges wait until it ends."""

    label = models.CharField(max_length=80, blank=True)

    class Meta(WeeklyWindow.Meta):
        constraints = [models.CheckConstraint(condition=Q(start__lt=F("end")), name="focus_block_ordered")]
        default_related_name = "focus_blocks"


class ExternalCalendar(OrgOwned):
    """An uploaded .ics file or a subscribed ICS URL; only busy times are kept."""

    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="external_calendars")
    name = models.CharField(max_length=120)
    url = models.URLField(blank=True, max_length=1000)
    created_at = models.DateTimeField(auto_now_add=True)
    last_synced_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    busy_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["name"]


class BusyTime(OrgOwned):
    """A busy interval from an external calendar, in UTC. No titles: privacy."""

    calendar = models.ForeignKey(ExternalCalendar, on_delete=models.CASCADE, related_name="busy_times")
    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="busy_times")
    start = models.DateTimeField()
    end = models.DateTimeField()

    class Meta:
        ordering = ["start"]
        indexes = [models.Index(fields=["membership", "start"])]
        constraints = [models.CheckConstraint(condition=Q(start__lt=F("end")), name="busy_time_ordered")]


class AgendaTemplate(OrgOwned):
    """A few prompts for a kind of session (e.g. a code review), editable by managers."""

    outcome_type = models.CharField(max_length=20, choices=OutcomeType.choices)
    name = models.CharField(max_length=80)
    prompts = models.TextField(help_text="One prompt per line.")

    class Meta:
        ordering = ["outcome_type", "name"]
        constraints = [models.UniqueConstraint(fields=["organization", "name"], name="agenda_name_unique_per_org")]

    def __str__(self) -> str:
        return self.name


class MentoringSession(OrgOwned):
    """A 15–30 minute session between a mentor and a mentee."""

    class Status(models.TextChoices):
        BOOKED = "booked", "Booked"
        DONE = "done", "Logged"
        CANCELLED = "cancelled", "Cancelled"

    mentor = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="sessions_as_mentor")
    mentee = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="sessions_as_mentee")
    start = models.DateTimeField()
    end = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.BOOKED)
    agenda = models.ForeignKey(AgendaTemplate, null=True, blank=True, on_delete=models.SET_NULL)
    # Bumped on every change the participants' calendars must see (RFC 5545 SEQUENCE).
    sequence = models.PositiveIntegerField(default=0)
    booked_by = models.ForeignKey(Membership, null=True, on_delete=models.SET_NULL, related_name="+")
    # The program it was booked in: a network program spends time-bank credit.
    program = models.ForeignKey("mentoring.Program", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="sessions")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(max_length=200, blank=True)
    # The log (filled when the session is marked done).
    logged_at = models.DateTimeField(null=True, blank=True)
    logged_by = models.ForeignKey(Membership, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    actual_minutes = models.PositiveSmallIntegerField(null=True, blank=True)
    outcome_type = models.CharField(max_length=20, choices=OutcomeType.choices, blank=True)

    class Meta:
        ordering = ["start"]
        indexes = [
            models.Index(fields=["organization", "mentor", "start"]),
            models.Index(fields=["organization", "mentee", "start"]),
            models.Index(fields=["organization", "status", "end"]),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(start__lt=F("end")), name="session_ordered"),
            models.CheckConstraint(condition=~Q(mentor=F("mentee")), name="session_two_people"),
            models.CheckConstraint(condition=~Q(status="done") | Q(actual_minutes__isnull=False),
                                   name="session_done_has_minutes"),
        ]

    def __str__(self) -> str:
        return f"{self.mentor} ↔ {self.mentee} @ {self.start:%Y-%m-%d %H:%M}"

    @property
    def minutes(self) -> int:
        return int((self.end - self.start).total_seconds() // 60)

    def is_participant(self, membership) -> bool:
        return membership is not None and membership.pk in (self.mentor_id, self.mentee_id)


class TimeClaim(OrgOwned):
    """A person's claim on an interval because of a session: one per participant.

    On Postgres an exclusion constraint (migration 0002, btree_gist) forbids two
    active claims of one person that overlap, whatever role they hold in each
    session — so double booking is impossible, not merely unlikely.
    """

    session = models.ForeignKey(MentoringSession, on_delete=models.CASCADE, related_name="claims")
    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="time_claims")
    start = models.DateTimeField()
    end = models.DateTimeField()
    active = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["session", "membership"], name="claim_one_per_participant"),
            models.CheckConstraint(condition=Q(start__lt=F("end")), name="claim_ordered"),
        ]
        indexes = [models.Index(fields=["membership", "start"])]


class SessionNote(OrgOwned):
    """Private notes of a session: readable by its two participants only."""

    session = models.OneToOneField(MentoringSession, on_delete=models.CASCADE, related_name="note")
    text = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)


class NextStep(OrgOwned):
    """A concrete action agreed in a session: an owner and a due date."""

    session = models.ForeignKey(MentoringSession, on_delete=models.CASCADE, related_name="next_steps")
    owner = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="next_steps")
    title = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=OutcomeType.choices, default=OutcomeType.OTHER)
    due_date = models.DateField()
    work_item = models.ForeignKey(WorkItem, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    done_at = models.DateTimeField(null=True, blank=True)
    # Bumped when it changes, for the VTODO in calendar feeds.
    sequence = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["due_date", "created_at"]
        indexes = [
            models.Index(fields=["organization", "owner", "done_at", "due_date"]),
            models.Index(fields=["organization", "due_date"], condition=Q(done_at__isnull=True),
                         name="next_step_open_due"),
        ]

    def __str__(self) -> str:
        return self.title


class SurveyResponse(OrgOwned):
    """The 2-question post-session survey: once per participant per session."""

    session = models.ForeignKey(MentoringSession, on_delete=models.CASCADE, related_name="survey_responses")
    respondent = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="survey_responses")
    usefulness = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(5)])
    comment = models.TextField(blank=True, max_length=2000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["session", "respondent"], name="survey_once_per_participant"),
            models.CheckConstraint(condition=Q(usefulness__gte=1, usefulness__lte=5), name="survey_usefulness_1_5"),
        ]


class Kudos(OrgOwned):
    """A five-minute thank-you, shown in the weekly digest."""

    giver = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="kudos_given")
    receiver = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="kudos_received")
    session = models.ForeignKey(MentoringSession, null=True, blank=True, on_delete=models.SET_NULL)
    message = models.CharField(max_length=280)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "kudos"
        constraints = [models.CheckConstraint(condition=~Q(giver=F("receiver")), name="kudos_not_to_self")]


def _feed_secret() -> str:
    return secrets.token_urlsafe(24)


class CalendarFeed(OrgOwned):
    """A member's subscribable feed; the secret in the URL is the credential."""

    membership = models.OneToOneField(Membership, on_delete=models.CASCADE, related_name="calendar_feed")
    secret = models.CharField(max_length=64, unique=True, default=_feed_secret)
    rotated_at = models.DateTimeField(auto_now=True)

from .models_nudges import *  # noqa: E402,F401,F403
