"""External mentors: the agreement template, terms, agreements and their
acceptance, the booking check, the statement export. One function per use case.

Terms changes generate a new agreement (rendered text + terms snapshot) that
supersedes the current one; until the mentor accepts the current agreement,
booking them is refused (``external_booking_check``, called by session_book).
"""

from __future__ import annotations

import csv
import io
import re
import zoneinfo
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone

from . import selectors_external as sel
from .audit import audit_record
from .errors import Conflict, DomainError, NotPermitted
from .models import AuditEvent, Membership, Organization
from .models_external import AGREEMENT_PLACEHOLDERS, EngagementAgreement, EngagementTemplate, ExternalTerms
from .services import _full_clean, require_role

Action = AuditEvent.Action
PLACEHOLDER = re.compile(r"\{(\w*)\}")
TERMS_FIELDS = ("hourly_rate", "currency", "trial_sessions", "trial_starts_on", "trial_ends_on", "monthly_cap")


# --- Template ---------------------------------------------------------------------------------

def agreement_render(body: str, values: dict[str, str]) -> str:
    """Replace the known {placeholders}; only names, never attribute access
    (str.format would let "{mentor.__class__}" through)."""
    return PLACEHOLDER.sub(lambda m: values.get(m[1], m[0]), body)


def _check_placeholders(body: str) -> None:
    unknown = sorted({name for name in PLACEHOLDER.findall(body) if name not in AGREEMENT_PLACEHOLDERS})
    if unknown:
        known = ", ".join("{" + name + "}" for name in AGREEMENT_PLACEHOLDERS)
        raise DomainError(f"Unknown placeholder(s): {', '.join('{' + n + '}' for n in unknown)}. Use {known}.",
                          field="body")


@transaction.atomic
def agreement_template_update(*, actor: Membership, body: str) -> EngagementTemplate:
    """Managers edit the org's template; agreements generated before keep their text."""
    require_role(actor, "manager")
    org = actor.organization
    body = (body or "").strip()
    if not body:
        raise DomainError("Write the agreement's text.", field="body")
    if len(body) > 20000:
        raise DomainError("Keep the agreement under 20,000 characters.", field="body")
    _check_placeholders(body)
    template = EngagementTemplate.objects.for_org(org).select_for_update().first()
    before = {"version": template.version} if template else {"version": 0}
    if template is None:
        template = EngagementTemplate(organization=org, body=body, version=1, updated_by=actor)
    elif template.body == body:
        return template
    else:
        template.body, template.version, template.updated_by = body, template.version + 1, actor
    template.save()
    audit_record(org=org, actor=actor, action=Action.AGREEMENT_TEMPLATE_UPDATE,
                 target=("engagementtemplate", template.pk, f"Agreement template v{template.version}"),
                 before=before, after={"version": template.version})
    return template


# --- Terms and agreements ---------------------------------------------------------------------------

def _terms_view(terms: ExternalTerms | None) -> dict | None:
    if terms is None:
        return None
    return {"hourly_rate": f"{terms.hourly_rate:.2f}", "currency": terms.currency,
            "trial_sessions": terms.trial_sessions, "trial_starts_on": terms.trial_starts_on.isoformat(),
            "trial_ends_on": terms.trial_ends_on.isoformat(), "monthly_cap": terms.monthly_cap}


def _rate(value) -> Decimal:
    try:
        rate = Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError):
        raise DomainError("Enter an amount like 120.00.", field="hourly_rate") from None
    if not rate.is_finite() or rate < 0 or rate >= Decimal("1000000"):
        raise DomainError("Enter an amount from 0 to 999999.99.", field="hourly_rate")
    return sel.money(rate)


@transaction.atomic
def external_terms_set(*, actor: Membership, mentor: Membership, hourly_rate, currency: str, trial_sessions: int,
                       trial_starts_on: date, trial_ends_on: date, monthly_cap: int) -> EngagementAgreement:
    """Set an external mentor's terms and generate their agreement from the
    org's template (the mentor is asked to accept it). Returns the agreement."""
    require_role(actor, "manager")
    org = actor.organization
    mentor = Membership.objects.for_org(org).select_for_update().filter(pk=mentor.pk).first()
    if mentor is None or not mentor.is_external:
        raise DomainError("Terms are for external mentors; mark the person as external first.", field="mentor")
    if not mentor.is_active:
        raise DomainError(f"{mentor.display_name} is deactivated.", field="mentor")
    currency = (currency or "").strip().upper()
    if not re.fullmatch(r"[A-Z]{3}", currency):
        raise DomainError("Enter a three-letter currency code such as EUR.", field="currency")
    if trial_starts_on and trial_ends_on and trial_ends_on < trial_starts_on:
        raise DomainError("The trial ends before it starts.", field="trial_ends_on")
    terms = ExternalTerms.objects.for_org(org).filter(mentor=mentor).first()
    before = _terms_view(terms)
    terms = terms or ExternalTerms(organization=org, mentor=mentor)
    terms.hourly_rate, terms.currency, terms.updated_by = _rate(hourly_rate), currency, actor
    terms.trial_sessions, terms.monthly_cap = trial_sessions, monthly_cap
    terms.trial_starts_on, terms.trial_ends_on = trial_starts_on, trial_ends_on
    _full_clean(terms, exclude=["organization", "mentor", "updated_by"])
    terms.save()
    # The people profile shows the same rate.
    Membership.objects.for_org(org).filter(pk=mentor.pk).update(hourly_rate=terms.hourly_rate, currency=currency)
    agreement = _agreement_generate(actor, mentor, terms)
    audit_record(org=org, actor=actor, action=Action.EXTERNAL_TERMS_SET, target=mentor, before=before,
                 after={**_terms_view(terms), "agreement": agreement.number})
    return agreement


def _agreement_generate(actor: Membership, mentor: Membership, terms: ExternalTerms) -> EngagementAgreement:
    from sessions_app.models import Notification

    org = actor.organization
    template = sel.agreement_template_of(org)
    values = {"mentor": mentor.display_name, "org": org.name, "rate": f"{terms.hourly_rate:.2f}",
              "currency": terms.currency, "trial_sessions": str(terms.trial_sessions),
              "trial_starts": f"{terms.trial_starts_on:%d %B %Y}", "trial_ends": f"{terms.trial_ends_on:%d %B %Y}",
              "cap": str(terms.monthly_cap)}
    agreements = EngagementAgreement.objects.for_org(org).filter(mentor=mentor)
    number = (agreements.aggregate(n=Max("number"))["n"] or 0) + 1
    agreements.filter(superseded_at__isnull=True).update(superseded_at=timezone.now())
    agreement = EngagementAgreement.objects.for_org(org).create(
        organization=org, mentor=mentor, number=number, template_version=template.version,
        body=agreement_render(template.body, values), terms=_terms_view(terms), created_by=actor)
    Notification.objects.for_org(org).create(
        organization=org, recipient=mentor, title="Please read and accept your engagement agreement",
        body=f"{org.name} set your terms: {terms.hourly_rate:.2f} {terms.currency} per hour, a paid trial of "
             f"{terms.trial_sessions} session(s). Sessions can be booked with you once you accept.",
        link=reverse("my_agreement", kwargs={"org_slug": org.slug}))
    return agreement


@transaction.atomic
def agreement_accept(*, actor: Membership, agreement: EngagementAgreement,
                     now: datetime | None = None) -> EngagementAgreement:
    """The mentor accepts their current agreement (only they can)."""
    org = actor.organization
    agreement = EngagementAgreement.objects.for_org(org).select_for_update().get(pk=agreement.pk)
    if not actor.is_active or agreement.mentor_id != actor.pk:
        raise NotPermitted("Only the mentor named in the agreement can accept it.")
    if agreement.superseded_at is not None:
        raise Conflict("A newer agreement replaces this one; read and accept that one.")
    if agreement.accepted_at is not None:
        raise Conflict("You accepted this agreement already.")
    agreement.accepted_at, agreement.accepted_by = now or timezone.now(), actor
    agreement.save(update_fields=["accepted_at", "accepted_by"])
    audit_record(org=org, actor=actor, action=Action.AGREEMENT_ACCEPT,
                 target=("engagementagreement", agreement.pk, f"Agreement {agreement.number} of {actor.display_name}"),
                 after={"number": agreement.number, "terms": agreement.terms})
    return agreement


# --- Booking check -------------------------------------------------------------------------------

def external_booking_check(*, org: Organization, mentor: Membership, start: datetime, moving=None) -> None:
    """Called by session_book (and session_reschedule, with the session ``moving``)
    with the mentor's row locked: an external mentor is bookable only under an
    accepted current agreement and below the monthly cap. A session already
    booked keeps its agreement; moving it only checks the cap of its new month."""
    if not mentor.is_external:
        return
    terms = ExternalTerms.objects.for_org(org).filter(mentor=mentor).first()
    if moving is not None:
        if terms is not None:
            _check_cap(org, mentor, terms, start, moving)
        return
    agreement = sel.agreement_current(org, mentor)
    if terms is None or agreement is None:
        raise DomainError(f"{mentor.display_name} is an external mentor without agreed terms yet; a program "
                          f"manager sets them first.", field="mentor")
    if agreement.accepted_at is None:
        raise DomainError(f"{mentor.display_name} has not accepted their engagement agreement yet; sessions can "
                          f"be booked once they do.", field="mentor")
    _check_cap(org, mentor, terms, start, None)


def _check_cap(org: Organization, mentor: Membership, terms: ExternalTerms, start: datetime, moving) -> None:
    from sessions_app.models import MentoringSession

    month = start.astimezone(zoneinfo.ZoneInfo(org.time_zone)).date().replace(day=1)
    first, after = sel.month_bounds(org, month)
    sessions = MentoringSession.objects.for_org(org).filter(mentor=mentor, start__gte=first, start__lt=after) \
        .exclude(status=MentoringSession.Status.CANCELLED)
    booked = (sessions.exclude(pk=moving.pk) if moving is not None else sessions).count()
    if booked >= terms.monthly_cap:
        raise DomainError(f"{mentor.display_name} already has {booked} session(s) in {month:%B %Y}, the monthly cap "
                          f"of their engagement.", field="start")


# --- Statement export -----------------------------------------------------------------------------

def _may_see_statement(actor: Membership, mentor: Membership) -> None:
    if not actor.is_active or not (actor.is_manager or actor.pk == mentor.pk):
        raise NotPermitted("Only program managers and the mentor see this statement.")


def compensation_export(*, actor: Membership, mentor: Membership, month: date) -> str:
    """The statement as CSV; every export is audited."""
    _may_see_statement(actor, mentor)
    org = actor.organization
    statement = sel.compensation_statement(org, mentor, month)
    buffer = io.StringIO()
    csv.writer(buffer).writerows(sel.statement_csv_rows(statement, org.time_zone))
    with transaction.atomic():
        audit_record(org=org, actor=actor, action=Action.COMPENSATION_EXPORT, target=mentor,
                     after={"month": month.strftime("%Y-%m"), "rows": len(statement.lines),
                            "totals": {c: f"{t:.2f}" for c, t in statement.totals.items()}, "format": "csv"})
    return buffer.getvalue()
