"""The time-bank: mentors earn minutes they give, mentees spend minutes they
book in network programs, managers adjust with a reason.

Every change of a balance locks the account row (``select_for_update``), so
concurrent spends queue and each sees the balance the previous one left; the
CheckConstraint ``time_account_never_negative`` makes a slip impossible. The
unique (session, member, kind) entry makes a second spend, refund or earning
of one session impossible rather than unlikely. Booking and logging call
these functions inside their own transaction: the session and its entry are
committed together or not at all.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from .audit import Action, audit_record
from .errors import DomainError
from .models import Membership, Organization, Program, TimeAccount, TimeEntry
from .services import require_role

Kind = TimeEntry.Kind
ADJUST_LIMIT = 6000  # minutes; a typo guard, not a policy


def timebank_applies(program: Program | None) -> bool:
    """Sessions booked in a network program are paid from the time-bank."""
    return program is not None and program.kind == Program.Kind.NETWORK


def _locked_account(org: Organization, member: Membership) -> TimeAccount:
    """The member's account, created (with the org's starting grant) on first
    use, and locked until the end of the caller's transaction."""
    accounts = TimeAccount.objects.for_org(org)
    # ON CONFLICT DO NOTHING: two first uses at once create one account.
    accounts.bulk_create([TimeAccount(organization=org, membership=member)], ignore_conflicts=True)
    account = accounts.select_for_update().get(membership=member)
    if account.granted_at is None:
        account.granted_at = timezone.now()
        if org.timebank_starting_grant:
            _move(account, member, Kind.GRANT, org.timebank_starting_grant, reason="Starting grant")
        else:
            account.save(update_fields=["granted_at", "updated_at"])
    return account


def _move(account: TimeAccount, member: Membership, kind: str, minutes: int, *, session=None, reason: str = "",
          actor: Membership | None = None) -> TimeEntry:
    """Apply one signed movement to a locked account and record it."""
    account.balance_minutes += minutes
    account.save(update_fields=["balance_minutes", "granted_at", "updated_at"])
    return TimeEntry.objects.for_org(account.organization).create(
        organization=account.organization, account=account, membership=member, kind=kind, minutes=minutes,
        balance_after=account.balance_minutes, session=session, reason=reason[:200], actor=actor)


def timebank_balance(member: Membership) -> int:
    """The balance as the member would see it (the grant if never used)."""
    account = TimeAccount.objects.for_org(member.organization).filter(membership=member).first()
    if account is None or account.granted_at is None:
        return member.organization.timebank_starting_grant
    return account.balance_minutes


def short_of_credit_message(member: Membership, balance: int, minutes: int) -> str:
    return (f"{member.display_name} has {balance} time-bank minutes; this {minutes}-minute session needs "
            f"{minutes}. Give a session as a mentor to earn more, or ask a program manager.")


def timebank_spend(*, session) -> TimeEntry:
    """Debit the mentee the booked minutes of a network-program session.
    Call inside the booking's transaction; refuses (DomainError) when short."""
    org, mentee, minutes = session.organization, session.mentee, session.minutes
    with transaction.atomic():
        account = _locked_account(org, mentee)
        if account.balance_minutes < minutes:
            raise DomainError(short_of_credit_message(mentee, account.balance_minutes, minutes), field="minutes")
        return _move(account, mentee, Kind.SPEND, -minutes, session=session,
                     reason=f"Session with {session.mentor.display_name}")


def timebank_refund(*, session) -> TimeEntry | None:
    """Give back what a cancelled session spent (once); None if it spent nothing."""
    org = session.organization
    with transaction.atomic():
        spent = TimeEntry.objects.for_org(org).filter(session=session, kind=Kind.SPEND).first()
        if spent is None:
            return None
        account = _locked_account(org, spent.membership)
        if TimeEntry.objects.for_org(org).filter(session=session, membership=spent.membership,
                                                 kind=Kind.REFUND).exists():
            return None
        return _move(account, spent.membership, Kind.REFUND, -spent.minutes, session=session,
                     reason="Session cancelled")


def timebank_earn(*, session) -> TimeEntry | None:
    """Credit the mentor the logged minutes of a session (once)."""
    org, mentor = session.organization, session.mentor
    minutes = session.actual_minutes or 0
    if minutes <= 0:
        return None
    with transaction.atomic():
        account = _locked_account(org, mentor)
        if TimeEntry.objects.for_org(org).filter(session=session, membership=mentor, kind=Kind.EARN).exists():
            return None
        return _move(account, mentor, Kind.EARN, minutes, session=session,
                     reason=f"Session with {session.mentee.display_name}")


@transaction.atomic
def timebank_adjust(*, actor: Membership, member: Membership, minutes, reason: str) -> TimeEntry:
    """A manager's correction, with a reason; recorded in the audit log."""
    require_role(actor, "manager")
    org = actor.organization
    if member is None or member.organization_id != org.pk:
        raise DomainError(f"Pick a member of {org.name}.", field="member")
    errors = {}
    if not isinstance(minutes, int) or isinstance(minutes, bool) or minutes == 0:
        errors["minutes"] = ["Enter the minutes to add (or, with a minus sign, to take away); not 0."]
    elif abs(minutes) > ADJUST_LIMIT:
        errors["minutes"] = [f"Adjust by at most {ADJUST_LIMIT} minutes at a time."]
    reason = (reason or "").strip()
    if not reason:
        errors["reason"] = ["Say why the balance changes (it goes into the audit log)."]
    elif len(reason) > 200:
        errors["reason"] = ["Keep the reason under 200 characters."]
    if errors:
        raise DomainError(errors)
    account = _locked_account(org, member)
    before = account.balance_minutes
    if before + minutes < 0:
        raise DomainError(f"{member.display_name} has {before} minutes; a balance cannot go below zero.",
                          field="minutes")
    entry = _move(account, member, Kind.ADJUST, minutes, reason=reason, actor=actor)
    audit_record(org=org, actor=actor, action=Action.TIMEBANK_ADJUST, target=member,
                 before={"balance_minutes": before},
                 after={"balance_minutes": account.balance_minutes, "minutes": minutes, "reason": reason})
    return entry
