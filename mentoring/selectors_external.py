"""Reads about external mentors: the managers' list with trial flags, the
monthly compensation statement, month arithmetic. Always given the org."""

from __future__ import annotations

import re
import zoneinfo
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, IntegerField, OuterRef, Prefetch, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from .errors import DomainError
from .models import Membership, Organization
from .models_external import DEFAULT_AGREEMENT_TEMPLATE, EngagementAgreement, EngagementTemplate, ExternalTerms

CENT = Decimal("0.01")
TRIAL_WARNING_DAYS = 7  # the trial's end is flagged this many days ahead


# --- Months ------------------------------------------------------------------------------

def month_parse(value: str | None, *, default: date) -> date:
    """"2026-03" -> date(2026, 3, 1); empty -> the month of ``default``."""
    if not value:
        return default.replace(day=1)
    match = re.fullmatch(r"(\d{4})-(\d{2})", value.strip())
    if not match or not 1 <= int(match[2]) <= 12 or int(match[1]) < 2000:
        raise DomainError("Pick a month like 2026-03.", field="month")
    return date(int(match[1]), int(match[2]), 1)


def month_next(month: date) -> date:
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1)


def month_bounds(org: Organization, month: date) -> tuple[datetime, datetime]:
    """[first instant, first instant of the next month) on the org's wall clock."""
    tz = zoneinfo.ZoneInfo(org.time_zone)
    return (datetime.combine(month, time(0), tzinfo=tz), datetime.combine(month_next(month), time(0), tzinfo=tz))


def org_today(org: Organization) -> date:
    return timezone.now().astimezone(zoneinfo.ZoneInfo(org.time_zone)).date()


def money(amount: Decimal) -> Decimal:
    """Round half-up to cents (never banker's rounding)."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


# --- Template and agreements -------------------------------------------------------------

def agreement_template_of(org: Organization) -> EngagementTemplate:
    """The org's template; an unsaved default (version 0) until a manager edits it."""
    found = EngagementTemplate.objects.for_org(org).first()
    return found or EngagementTemplate(organization=org, body=DEFAULT_AGREEMENT_TEMPLATE, version=0)


def agreement_current(org: Organization, mentor: Membership) -> EngagementAgreement | None:
    return EngagementAgreement.objects.for_org(org).filter(mentor=mentor, superseded_at__isnull=True).first()


def agreements_of(org: Organization, mentor: Membership):
    return EngagementAgreement.objects.for_org(org).filter(mentor=mentor).select_related("accepted_by") \
        .order_by("-number")


# --- The managers' list -----------------------------------------------------------------------

def _midnight(org: Organization, day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zoneinfo.ZoneInfo(org.time_zone))


def trial_use(org: Organization, terms_list) -> dict:
    """{mentor id: logged sessions inside their trial's dates (org's wall clock)}
    in one query per 500 mentors: one (mentor, start range) branch each, so the
    (organization, mentor, start) index answers every branch."""
    from sessions_app.models import MentoringSession

    terms_list = [t for t in terms_list if t is not None]
    found: dict = {}
    for offset in range(0, len(terms_list), 500):
        window = Q()
        for terms in terms_list[offset:offset + 500]:
            window |= Q(mentor_id=terms.mentor_id, start__gte=_midnight(org, terms.trial_starts_on),
                        start__lt=_midnight(org, terms.trial_ends_on + timedelta(days=1)))
        found.update(MentoringSession.objects.for_org(org).filter(window, status=MentoringSession.Status.DONE)
                     .order_by().values("mentor").annotate(n=Count("pk")).values_list("mentor", "n"))
    return found


def _booked_in_month(org: Organization, month: date) -> Coalesce:
    from sessions_app.models import MentoringSession

    start, end = month_bounds(org, month)
    count = MentoringSession.objects.for_org(org).filter(
        mentor=OuterRef("pk"), start__gte=start, start__lt=end,
    ).exclude(status=MentoringSession.Status.CANCELLED).order_by().values("mentor") \
        .annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(count, output_field=IntegerField()), Value(0))


@dataclass
class TrialState:
    ends_on: date
    days_left: int
    used: int
    size: int

    @property
    def ended(self) -> bool:
        return self.days_left < 0

    @property
    def ending_soon(self) -> bool:
        return 0 <= self.days_left <= TRIAL_WARNING_DAYS

    @property
    def used_up(self) -> bool:
        return self.used >= self.size

    @property
    def flagged(self) -> bool:
        return self.ended or self.ending_soon or self.used_up


def trial_state(terms: ExternalTerms, used: int, today: date) -> TrialState:
    return TrialState(ends_on=terms.trial_ends_on, days_left=(terms.trial_ends_on - today).days, used=used,
                      size=terms.trial_sessions)


def external_mentors(org: Organization, *, today: date | None = None):
    """External members with their terms, current agreement, sessions this month
    and trial use: a fixed number of queries whatever the number of rows."""
    today = today or org_today(org)
    current = EngagementAgreement.objects.for_org(org).filter(superseded_at__isnull=True)
    return Membership.objects.for_org(org).filter(is_external=True).select_related("external_terms") \
        .prefetch_related(Prefetch("agreements", queryset=current, to_attr="current_agreements")) \
        .annotate(sessions_this_month=_booked_in_month(org, today.replace(day=1))) \
        .order_by("-is_active", "display_name", "id")


def decorate(org: Organization, rows, today: date) -> list:
    """Attach ``terms``, ``agreement`` and ``trial`` to each row of external_mentors (one query more)."""
    rows = list(rows)
    for person in rows:
        person.terms = getattr(person, "external_terms", None)
        person.agreement = person.current_agreements[0] if person.current_agreements else None
    used = trial_use(org, [person.terms for person in rows])
    for person in rows:
        person.trial = trial_state(person.terms, used.get(person.pk, 0), today) if person.terms else None
    return rows


# --- Compensation statement ----------------------------------------------------------------------

@dataclass
class StatementLine:
    session_id: str
    start: datetime
    mentee: str
    minutes: int
    rate: Decimal
    currency: str
    amount: Decimal
    trial: bool


@dataclass
class Statement:
    mentor: Membership
    month: date
    terms: ExternalTerms | None
    lines: list[StatementLine] = field(default_factory=list)
    totals: dict[str, Decimal] = field(default_factory=dict)  # currency -> amount

    @property
    def minutes(self) -> int:
        return sum(line.minutes for line in self.lines)

    @property
    def trial_count(self) -> int:
        return sum(1 for line in self.lines if line.trial)

    @property
    def total_items(self) -> list[tuple[str, Decimal]]:
        return sorted(self.totals.items())


def _rate_at(agreements: list[EngagementAgreement], terms: ExternalTerms | None, start: datetime):
    """The rate in force at ``start``: the last agreement accepted by then, else
    the first accepted one, else the current terms."""
    in_force = [a for a in agreements if a.accepted_at <= start]
    chosen = in_force[-1] if in_force else (agreements[0] if agreements else None)
    if chosen is not None:
        return Decimal(chosen.terms["hourly_rate"]), chosen.terms["currency"]
    if terms is not None:
        return terms.hourly_rate, terms.currency
    return Decimal("0"), ""


def compensation_statement(org: Organization, mentor: Membership, month: date) -> Statement:
    """Logged sessions the mentor gave in ``month`` (org's wall clock): each
    line = actual minutes × hourly rate / 60, rounded half-up to cents; totals
    add the rounded lines, per currency. Trial sessions (the first N logged
    inside the trial dates) are marked. Four queries."""
    from sessions_app.models import MentoringSession

    terms = ExternalTerms.objects.for_org(org).filter(mentor=mentor).first()
    statement = Statement(mentor=mentor, month=month, terms=terms)
    agreements = list(EngagementAgreement.objects.for_org(org).filter(mentor=mentor, accepted_at__isnull=False)
                      .order_by("accepted_at"))
    trial_ids: set = set()
    if terms is not None and terms.trial_sessions:
        tz = zoneinfo.ZoneInfo(org.time_zone)
        trial_ids = set(MentoringSession.objects.for_org(org).filter(
            mentor=mentor, status=MentoringSession.Status.DONE,
            start__gte=datetime.combine(terms.trial_starts_on, time(0), tzinfo=tz),
            start__lt=datetime.combine(terms.trial_ends_on + timedelta(days=1), time(0), tzinfo=tz),
        ).order_by("start", "id").values_list("pk", flat=True)[:terms.trial_sessions])
    start, end = month_bounds(org, month)
    sessions = MentoringSession.objects.for_org(org).filter(
        mentor=mentor, status=MentoringSession.Status.DONE, start__gte=start, start__lt=end,
    ).select_related("mentee").order_by("start", "id")
    for session in sessions:
        rate, currency = _rate_at(agreements, terms, session.start)
        minutes = session.actual_minutes or 0
        amount = money(Decimal(minutes) * rate / Decimal(60))
        statement.lines.append(StatementLine(
            session_id=str(session.pk), start=session.start, mentee=session.mentee.display_name, minutes=minutes,
            rate=rate, currency=currency, amount=amount, trial=session.pk in trial_ids))
        statement.totals[currency] = statement.totals.get(currency, Decimal("0.00")) + amount
    return statement


def _cell(text: str) -> str:
    from .audit import _cell as audit_cell  # spreadsheets run cells starting with = + - @ (CSV injection)

    return audit_cell(text)


def statement_csv_rows(statement: Statement, tz_name: str) -> list[list[str]]:
    tz = zoneinfo.ZoneInfo(tz_name)
    rows = [["session", "date", "start", "mentee", "minutes", "hourly_rate", "currency", "amount", "trial"]]
    for line in statement.lines:
        local = line.start.astimezone(tz)
        rows.append([line.session_id, local.date().isoformat(), local.strftime("%H:%M"), _cell(line.mentee),
                     str(line.minutes), f"{line.rate:.2f}", line.currency, f"{line.amount:.2f}",
                     "yes" if line.trial else "no"])
    for currency, total in statement.total_items:
        mine = [line for line in statement.lines if line.currency == currency]
        rows.append(["total", statement.month.strftime("%Y-%m"), "", "", str(sum(x.minutes for x in mine)), "",
                     currency, f"{total:.2f}", f"{sum(1 for x in mine if x.trial)} trial"])
    return rows
