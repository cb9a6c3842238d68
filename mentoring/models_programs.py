"""Programs, cohorts, participants, pairs and their history (issue 3).

A program is either a *cohort* program (time-boxed cohorts of 4–8 weeks whose
pairs a manager proposes, reviews and publishes) or a *network* program
(ongoing, self-organising: directory and time-bank hook in there later).
Pairs, runs and history hang off a cohort; every row names its organisation.
"""

from __future__ import annotations

from datetime import timedelta

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q

from .tenancy import OrgOwned

COHORT_MIN_LENGTH, COHORT_MAX_LENGTH = timedelta(weeks=4), timedelta(weeks=8)

__all__ = ["Program", "Cohort", "Participant", "Pair", "PairingRun", "PairChange"]


class Program(OrgOwned):
    class Kind(models.TextChoices):
        COHORT = "cohort", "Cohort (4–8 weeks, paired by the manager)"
        NETWORK = "network", "Network (ongoing, self-organising)"

    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.COHORT)
    description = models.TextField(blank=True, max_length=2000)
    # Rotation: no pair repeats one from the last N cohorts of this program.
    recent_cohorts = models.PositiveSmallIntegerField(
        default=2, validators=[MaxValueValidator(10)], help_text="Pairs of the last N cohorts are not repeated.")
    min_shared_hours = models.FloatField(
        default=1.0, validators=[MinValueValidator(0), MaxValueValidator(12)],
        help_text="Fewest shared working hours a pair needs.")
    # Overrides of mentoring.pairing.scoring.Weights (e.g. {"work": 0.6}); empty = defaults.
    weights = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey("mentoring.Membership", null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["organization", "name"], name="program_name_unique_per_org")]

    def __str__(self) -> str:
        return self.name


class Cohort(OrgOwned):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"
        ENDED = "ended", "Ended"

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="cohorts")
    name = models.CharField(max_length=120)
    starts_on = models.DateField()
    ends_on = models.DateField()
    ratio = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(20)],
                                             help_text="Mentees per mentor (default capacity of a mentor).")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    published_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts_on", "name"]
        constraints = [
            models.UniqueConstraint(fields=["program", "name"], name="cohort_name_unique_per_program"),
            models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on") + COHORT_MIN_LENGTH)
                                   & Q(ends_on__lte=F("starts_on") + COHORT_MAX_LENGTH),
                                   name="cohort_lasts_4_to_8_weeks"),
            models.CheckConstraint(condition=Q(ratio__gte=1), name="cohort_ratio_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.program} · {self.name}"

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT


class Participant(OrgOwned):
    class Role(models.TextChoices):
        MENTOR = "mentor", "Mentor"
        MENTEE = "mentee", "Mentee"

    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="participants")
    membership = models.ForeignKey("mentoring.Membership", on_delete=models.CASCADE, related_name="participations")
    role = models.CharField(max_length=6, choices=Role.choices)
    goals = models.TextField(blank=True, max_length=2000)
    goal_skills = models.ManyToManyField("mentoring.Skill", blank=True, related_name="+",
                                         help_text="Skills a mentee wants to build.")
    capacity = models.PositiveSmallIntegerField(null=True, blank=True, validators=[MaxValueValidator(50)],
                                                help_text="Mentees at most; empty = the cohort's ratio.")
    opt_outs = models.ManyToManyField("mentoring.Membership", blank=True, related_name="+",
                                      help_text="People this participant is never paired with.")
    # Why the last pairing run left this mentee without a mentor (empty once paired).
    unmatched_why = models.CharField(max_length=300, blank=True)
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["role", "added_at"]
        constraints = [models.UniqueConstraint(fields=["cohort", "membership"], name="participant_once_per_cohort")]

    def __str__(self) -> str:
        return f"{self.membership} ({self.role})"

    @property
    def effective_capacity(self) -> int:
        return self.cohort.ratio if self.capacity is None else self.capacity


class Pair(OrgOwned):
    class Origin(models.TextChoices):
        ENGINE = "engine", "Pairing engine"
        MANUAL = "manual", "Set by a manager"

    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="pairs")
    mentee = models.OneToOneField(Participant, on_delete=models.CASCADE, related_name="pair")
    mentor = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="mentor_pairs")
    score = models.FloatField(null=True, blank=True)
    reasons = models.JSONField(default=list, blank=True)
    locked = models.BooleanField(default=False, help_text="Kept as is when pairing runs again.")
    origin = models.CharField(max_length=6, choices=Origin.choices, default=Origin.ENGINE)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [models.CheckConstraint(condition=~Q(mentee=F("mentor")), name="pair_not_with_self")]

    def __str__(self) -> str:
        return f"{self.mentee_id} ← {self.mentor_id}"


class PairingRun(OrgOwned):
    """One run of the engine on a cohort; its progress is polled by the page."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="runs")
    requested_by = models.ForeignKey("mentoring.Membership", null=True, on_delete=models.SET_NULL, related_name="+")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0, validators=[MaxValueValidator(100)])
    stage = models.CharField(max_length=120, blank=True)
    in_background = models.BooleanField(default=False)
    mentee_count = models.PositiveIntegerField(default=0)
    pair_count = models.PositiveIntegerField(default=0)
    unmatched_count = models.PositiveIntegerField(default=0)
    objective = models.FloatField(null=True, blank=True)
    seconds = models.FloatField(null=True, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # At most one run in flight per cohort: a second one would race the first for the pairs.
            models.UniqueConstraint(fields=["cohort"], condition=Q(status__in=["queued", "running"]),
                                    name="pairing_run_one_open_per_cohort"),
        ]

    @property
    def is_open(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)


class PairChange(OrgOwned):
    """History: who changed which pairs of a cohort, when, before and after."""

    class Action(models.TextChoices):
        RUN = "run", "Ran pairing"
        LOCK = "lock", "Locked a pair"
        UNLOCK = "unlock", "Unlocked a pair"
        SWAP = "swap", "Swapped mentors"
        UNPAIR = "unpair", "Unpaired"
        ASSIGN = "assign", "Paired by hand"
        PUBLISH = "publish", "Published"
        END = "end", "Ended"
        PARTICIPANTS = "participants", "Changed participants"

    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="changes")
    actor = models.ForeignKey("mentoring.Membership", null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    action = models.CharField(max_length=12, choices=Action.choices)
    summary = models.CharField(max_length=300, blank=True)
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at"]
        indexes = [models.Index(fields=["cohort", "-at"])]
