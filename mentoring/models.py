"""Core domain: users, organisations (tenants), memberships with people profiles,
skills, work items, invitations, API tokens and people imports."""

from __future__ import annotations

import hashlib
import secrets
import uuid
import zoneinfo
from datetime import time

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.text import slugify

from .models_imports import UploadedCsv
from .tenancy import OrgOwned, OrgScopedManager

ROLES = ("manager", "mentor", "mentee", "hr")
ROLE_LABELS = {"manager": "Program manager", "mentor": "Mentor", "mentee": "Mentee", "hr": "HR viewer"}


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"“{value}” is not a known time zone (e.g. Europe/Berlin).")


class EmailUserManager(UserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra):
        email = self.normalize_email(email).lower()
        user = self.model(email=email, **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email, password=None, **extra):
        extra.update(is_staff=True, is_superuser=True)
        return self._create_user(email, password, **extra)


class User(AbstractUser):
    """A person who can sign in; signs in by email. Belongs to orgs via Membership."""

    username = None
    email = models.EmailField("email address", unique=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []
    objects = EmailUserManager()

    def __str__(self) -> str:
        return self.email


class Organization(models.Model):
    """A tenant, with its mentoring policy."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    slug = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=120)
    time_zone = models.CharField(max_length=64, default="UTC", validators=[validate_time_zone])
    created_at = models.DateTimeField(auto_now_add=True)

    # Policy -----------------------------------------------------------------
    session_min_minutes = models.PositiveSmallIntegerField(
        default=15, validators=[MinValueValidator(15), MaxValueValidator(30)],
        help_text="Shortest session allowed (15–30).")
    session_max_minutes = models.PositiveSmallIntegerField(
        default=30, validators=[MinValueValidator(15), MaxValueValidator(30)],
        help_text="Longest session allowed (15–30).")
    mentee_weekly_cap = models.PositiveSmallIntegerField(
        default=2, validators=[MinValueValidator(1), MaxValueValidator(2)],
        help_text="Sessions per mentee per ISO week (1 or 2).")
    mentor_weekly_cap = models.PositiveSmallIntegerField(
        default=8, validators=[MinValueValidator(1), MaxValueValidator(40)],
        help_text="Sessions per mentor per ISO week.")
    cohort_ratio = models.PositiveSmallIntegerField(
        default=6, validators=[MinValueValidator(1), MaxValueValidator(20)],
        help_text="Mentees per mentor in a cohort.")
    k_anonymity = models.PositiveSmallIntegerField(
        default=5, validators=[MinValueValidator(2), MaxValueValidator(50)],
        help_text="Groups smaller than this are suppressed in dashboards.")
    timebank_starting_grant = models.PositiveSmallIntegerField(
        default=60, validators=[MaxValueValidator(600)],
        help_text="Time-bank minutes every member starts with (network programs).")
    require_mfa_for_staff = models.BooleanField(
        default=False, help_text="Program managers and HR viewers must use two-factor authentication.")

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(session_min_minutes__gte=15, session_max_minutes__lte=30,
                            session_min_minutes__lte=models.F("session_max_minutes")),
                name="org_session_bounds_within_15_30"),
            models.CheckConstraint(condition=Q(mentee_weekly_cap__in=[1, 2]), name="org_mentee_cap_1_or_2"),
            models.CheckConstraint(condition=Q(cohort_ratio__gte=1), name="org_cohort_ratio_positive"),
            models.CheckConstraint(condition=Q(k_anonymity__gte=2), name="org_k_at_least_2"),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        if self.session_min_minutes and self.session_max_minutes and \
                self.session_min_minutes > self.session_max_minutes:
            raise ValidationError({"session_max_minutes": "Must be at least the shortest session length."})


class Skill(OrgOwned):
    """A normalised free tag (``System design`` and ``system-design`` are one skill)."""

    slug = models.SlugField(max_length=80)
    name = models.CharField(max_length=80)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["organization", "slug"], name="skill_unique_per_org")]

    def __str__(self) -> str:
        return self.name

    @staticmethod
    def normalise(name: str) -> tuple[str, str]:
        """-> (slug, display name); whitespace collapsed, case folded for the slug."""
        display = " ".join(name.split())
        return slugify(display)[:80], display[:80]


class MembershipQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)

    def with_role(self, role: str):
        return self.filter(**{f"is_{role}": True})


class Membership(OrgOwned):
    """A person in an organisation: their roles and their people profile.

    ``user`` is empty until the person accepts an invitation; imported people
    exist before they ever sign in.  Deactivation keeps the row (history).
    """

    user = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="memberships")
    email = models.EmailField()
    is_manager = models.BooleanField(default=False)
    is_mentor = models.BooleanField(default=False)
    is_mentee = models.BooleanField(default=False)
    is_hr = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)
    deactivated_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # People profile ---------------------------------------------------------
    display_name = models.CharField(max_length=120)
    title = models.CharField(max_length=120, blank=True)
    team = models.CharField(max_length=80, blank=True, db_index=True)
    manager = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="direct_reports")
    time_zone = models.CharField(max_length=64, default="UTC", validators=[validate_time_zone])
    working_hours_start = models.TimeField(default=time(9, 0))
    working_hours_end = models.TimeField(default=time(17, 0))
    hire_date = models.DateField(null=True, blank=True)
    role_start_date = models.DateField(null=True, blank=True)
    skills = models.ManyToManyField(Skill, blank=True, related_name="members")
    is_external = models.BooleanField(default=False)
    hourly_rate = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True,
                                      validators=[MinValueValidator(0)])
    currency = models.CharField(max_length=3, blank=True)

    unscoped = MembershipQuerySet.as_manager()
    objects = OrgScopedManager.from_queryset(MembershipQuerySet)()

    class Meta:
        ordering = ["display_name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "email"], name="membership_email_unique_per_org"),
            models.UniqueConstraint(fields=["organization", "user"], condition=Q(user__isnull=False),
                                    name="membership_user_unique_per_org"),
            models.CheckConstraint(condition=Q(working_hours_start__lt=models.F("working_hours_end")),
                                   name="membership_working_hours_ordered"),
            models.CheckConstraint(condition=~Q(manager=models.F("id")), name="membership_not_own_manager"),
        ]
        indexes = [models.Index(fields=["organization", "display_name"])]

    def __str__(self) -> str:
        return self.display_name

    @property
    def roles(self) -> list[str]:
        return [role for role in ROLES if getattr(self, f"is_{role}")]

    def has_role(self, *roles: str) -> bool:
        return any(getattr(self, f"is_{role}") for role in roles)


class WorkItem(OrgOwned):
    """Something a person is working on now (a project, an epic, a launch)."""

    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="work_items")
    name = models.CharField(max_length=120)
    url = models.URLField(blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["membership", "name"], name="work_item_unique_per_member")]

    def __str__(self) -> str:
        return self.name


def _invitation_token() -> str:
    return secrets.token_urlsafe(32)


class Invitation(OrgOwned):
    """An invitation by email into an organisation, with the roles to grant."""

    email = models.EmailField()
    is_manager = models.BooleanField(default=False)
    is_mentor = models.BooleanField(default=False)
    is_mentee = models.BooleanField(default=True)
    is_hr = models.BooleanField(default=False)
    token = models.CharField(max_length=64, unique=True, default=_invitation_token, editable=False)
    invited_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # One open invitation per address per org; old ones stay as history.
            models.UniqueConstraint(fields=["organization", "email"],
                                    condition=Q(accepted_at__isnull=True, revoked_at__isnull=True),
                                    name="invitation_one_open_per_email"),
        ]

    def __str__(self) -> str:
        return f"{self.email} → {self.organization_id}"

    @property
    def roles(self) -> list[str]:
        return [role for role in ROLES if getattr(self, f"is_{role}")]

    @property
    def status(self) -> str:
        if self.accepted_at:
            return "accepted"
        if self.revoked_at:
            return "revoked"
        if self.expires_at <= timezone.now():
            return "expired"
        return "pending"


class ApiToken(models.Model):
    """A personal API token; only its SHA-256 is stored. Not tenant-owned: the
    org comes from the URL and the user's membership there."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=80)
    prefix = models.CharField(max_length=12)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    PREFIX = "tp_"

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def hash(raw: str) -> str:
        return hashlib.sha256(raw.encode()).hexdigest()

    @classmethod
    def generate(cls) -> str:
        return cls.PREFIX + secrets.token_urlsafe(32)


class PeopleImport(UploadedCsv):
    """An uploaded people CSV between preview and apply."""

    updated_count = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return self.filename or str(self.id)


class OutboxMessage(models.Model):
    """A Celery task to send, written in the caller's transaction (mentoring/outbox.py): work that needs
    the broker is kept while Redis is down and published when it is back. Not tenant data: a task
    name and its JSON arguments (ids), like the broker message it stands for."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    task = models.CharField(max_length=200)
    args = models.JSONField(default=list)
    kwargs = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["created_at"]
        indexes = [models.Index(fields=["created_at"], condition=models.Q(sent_at__isnull=True),
                                name="outbox_pending")]

    def __str__(self) -> str:
        return f"{self.task} ({'sent' if self.sent_at else 'pending'})"


class Heartbeat(models.Model):
    """Last time a background process proved it runs (written by a beat task)."""

    name = models.CharField(max_length=40, primary_key=True)
    at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} @ {self.at:%Y-%m-%d %H:%M:%S}"

from .models_programs import *  # noqa: E402,F401,F403
from .models_timebank import *  # noqa: E402,F401,F403
from .models_external import *  # noqa: E402,F401,F403


class AuditEventQuerySet(models.QuerySet):
    """Append-only: rows are inserted by ``mentoring.audit.audit_record`` and
    never changed through the app. (Deleting an organisation still cascades:
    Django's collector deletes below the queryset API.)"""

    def update(self, **kwargs):
        # Django's collector nulls the actor when a person is deleted (SET_NULL):
        # the event keeps its text label, so that one change is let through.
        if kwargs and set(kwargs) <= {"actor_membership", "actor_user"} and \
                all(value is None for value in kwargs.values()):
            return super().update(**kwargs)
        raise PermissionError("Audit events are append-only.")

    def delete(self):
        raise PermissionError("Audit events are append-only.")

    def dangerously_redact(self, **kwargs) -> int:
        """The one sanctioned change: erasing a person's personal data (data
        rights win over append-only). Only ``mentoring.audit.audit_redact_member``
        calls it."""
        return super().update(**kwargs)


class AuditEvent(OrgOwned):
    """Who did what to whom, when, from where: written by services, read by managers."""

    class Action(models.TextChoices):
        MEMBERSHIP_ROLES = "membership.roles", "Roles changed"
        MEMBERSHIP_DEACTIVATE = "membership.deactivate", "Member deactivated"
        MEMBERSHIP_REACTIVATE = "membership.reactivate", "Member reactivated"
        INVITATION_CREATE = "invitation.create", "Invitation sent"
        INVITATION_REVOKE = "invitation.revoke", "Invitation revoked"
        INVITATION_ACCEPT = "invitation.accept", "Invitation accepted"
        POLICY_UPDATE = "policy.update", "Policy changed"
        PEOPLE_EXPORT = "people.export", "People exported"
        PEOPLE_IMPORT = "people.import", "People import applied"
        TOKEN_CREATE = "token.create", "API token created"
        TOKEN_REVOKE = "token.revoke", "API token revoked"
        AUDIT_EXPORT = "audit.export", "Audit log exported"
        WEBHOOK_UPDATE = "webhook.update", "Webhook changed"
        WEBHOOK_ROTATE_SECRET = "webhook.rotate_secret", "Webhook secret renewed"
        TIMEBANK_ADJUST = "timebank.adjust", "Time-bank balance adjusted"
        # External mentors (issue 3)
        AGREEMENT_TEMPLATE_UPDATE = "agreement_template.update", "Agreement template changed"
        EXTERNAL_TERMS_SET = "external_terms.set", "External mentor terms set"
        AGREEMENT_ACCEPT = "agreement.accept", "Agreement accepted"
        COMPENSATION_EXPORT = "compensation.export", "Compensation statement exported"
        DATA_EXPORT = "data.export", "Own data exported"
        MEMBER_ERASE = "member.erase", "Person's data erased"
        # metrics inputs (metrics/services_events*.py)
        ROLE_EVENT_CREATE = "role_event.create", "Role event recorded"
        ROLE_EVENT_UPDATE = "role_event.update", "Role event corrected"
        ROLE_EVENT_DELETE = "role_event.delete", "Role event deleted"
        RAMP_DEFINITION_CHANGE = "ramp_definition.change", "Ramp milestone definition changed"
        RAMP_DEFINITION_DELETE = "ramp_definition.delete", "Ramp milestone definition deleted"
        RAMP_MILESTONE_CREATE = "ramp_milestone.create", "Ramp milestone recorded"
        RAMP_MILESTONE_DELETE = "ramp_milestone.delete", "Ramp milestone deleted"
        EVENTS_IMPORT = "metrics.import", "Role events or milestones imported"

    actor_user = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    actor_membership = models.ForeignKey(Membership, null=True, blank=True, on_delete=models.SET_NULL,
                                         related_name="+")
    # Kept as text so the log still reads after the person or object is gone.
    actor_label = models.CharField(max_length=200, blank=True)
    action = models.CharField(max_length=40)
    target_type = models.CharField(max_length=40)
    target_id = models.CharField(max_length=64, blank=True)
    target_label = models.CharField(max_length=200, blank=True)
    before = models.JSONField(null=True, blank=True, encoder=DjangoJSONEncoder)
    after = models.JSONField(null=True, blank=True, encoder=DjangoJSONEncoder)
    at = models.DateTimeField(default=timezone.now)
    ip = models.GenericIPAddressField(null=True, blank=True)

    unscoped = AuditEventQuerySet.as_manager()
    objects = OrgScopedManager.from_queryset(AuditEventQuerySet)()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["organization", "-at"]),
                   models.Index(fields=["organization", "action", "-at"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.target_label}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionError("Audit events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Audit events are append-only.")
