"""External mentors (issue 3): the org's engagement agreement template, each
external mentor's terms, and the agreements generated from both.

An agreement stores its rendered text and a snapshot of the terms, so a later
edit of the template or the terms never changes what a mentor accepted; a new
agreement supersedes the current one and must be accepted again before the
mentor can be booked.
"""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q

from .tenancy import OrgOwned

__all__ = ["EngagementTemplate", "ExternalTerms", "EngagementAgreement", "DEFAULT_AGREEMENT_TEMPLATE",
           "AGREEMENT_PLACEHOLDERS"]

# Placeholder -> what it stands for (shown beside the template editor).
AGREEMENT_PLACEHOLDERS = {
    "mentor": "the mentor's name",
    "org": "the organisation's name",
    "rate": "the hourly rate, e.g. 120.00",
    "currency": "the currency code, e.g. EUR",
    "trial_sessions": "paid-trial size in sessions",
    "trial_starts": "first day of the trial",
    "trial_ends": "last day of the trial",
    "cap": "most sessions per calendar month",
}

DEFAULT_AGREEMENT_TEMPLATE = """\
Engagement agreement between {org} and {mentor}

1. What we expect. You give micro-mentoring sessions of 15–30 minutes. Each session ends with at least one
   concrete next step, recorded in Touchpoint by you or your mentee. Log each session within a day.
2. Rate. {rate} {currency} per hour, paid per logged minute; a monthly statement lists every session.
3. Paid trial. The first {trial_sessions} sessions between {trial_starts} and {trial_ends} are a paid trial.
   Before the trial ends we decide together whether to continue.
4. Cap. At most {cap} sessions per calendar month; bookings beyond it are refused.
5. Confidentiality. Session notes stay between you and your mentee.
"""


class EngagementTemplate(OrgOwned):
    """The org's agreement text with {placeholders}; one per org, versioned."""

    body = models.TextField(max_length=20000)
    version = models.PositiveIntegerField(default=1)
    updated_by = models.ForeignKey("mentoring.Membership", null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization"], name="engagement_template_one_per_org")]

    def __str__(self) -> str:
        return f"Agreement template v{self.version}"


class ExternalTerms(OrgOwned):
    """The commercial terms of one external mentor."""

    mentor = models.OneToOneField("mentoring.Membership", on_delete=models.CASCADE, related_name="external_terms")
    hourly_rate = models.DecimalField(max_digits=8, decimal_places=2, validators=[MinValueValidator(0)])
    currency = models.CharField(max_length=3)
    trial_sessions = models.PositiveSmallIntegerField(default=3, validators=[MaxValueValidator(100)],
                                                      help_text="Sessions in the paid trial.")
    trial_starts_on = models.DateField()
    trial_ends_on = models.DateField()
    monthly_cap = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(500)],
                                                   help_text="Most sessions per calendar month.")
    updated_by = models.ForeignKey("mentoring.Membership", null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(trial_ends_on__gte=F("trial_starts_on")),
                                   name="external_terms_trial_ordered"),
            models.CheckConstraint(condition=Q(monthly_cap__gte=1), name="external_terms_cap_positive"),
            models.CheckConstraint(condition=Q(hourly_rate__gte=0), name="external_terms_rate_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.hourly_rate} {self.currency}/h, cap {self.monthly_cap}/month"


class EngagementAgreement(OrgOwned):
    """One generated agreement: the text as rendered and the terms it names."""

    mentor = models.ForeignKey("mentoring.Membership", on_delete=models.CASCADE, related_name="agreements")
    number = models.PositiveIntegerField(help_text="1, 2, … per mentor.")
    template_version = models.PositiveIntegerField()
    body = models.TextField()
    terms = models.JSONField(default=dict, help_text="Snapshot: hourly_rate, currency, trial, cap.")
    created_by = models.ForeignKey("mentoring.Membership", null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey("mentoring.Membership", null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    superseded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["mentor", "number"], name="agreement_number_unique_per_mentor"),
            models.UniqueConstraint(fields=["mentor"], condition=Q(superseded_at__isnull=True),
                                    name="agreement_one_current_per_mentor"),
            models.CheckConstraint(condition=Q(accepted_at__isnull=True) | Q(accepted_by__isnull=False),
                                   name="agreement_accepted_by_someone"),
        ]

    def __str__(self) -> str:
        return f"Agreement {self.number} of {self.mentor_id}"

    @property
    def is_current(self) -> bool:
        return self.superseded_at is None

    @property
    def status(self) -> str:
        if self.accepted_at:
            return "accepted"
        return "superseded" if self.superseded_at else "pending"
