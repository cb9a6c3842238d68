"""Publishing a cohort (notifications and emails to each pair) and ending it."""

from __future__ import annotations

import logging

from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Count
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from .. import selectors_programs as sel
from ..errors import Conflict, DomainError
from ..models import Membership
from ..models_programs import Cohort, Pair, PairChange, PairingRun
from ..services import require_role
from .history import _pair_view, _record
from .programs import _editable

logger = logging.getLogger(__name__)


@transaction.atomic
def cohort_publish(*, actor: Membership, cohort: Cohort) -> Cohort:
    """Make the pairs official and tell each mentee and mentor (email after commit)."""
    require_role(actor, "manager")
    cohort = _editable(cohort)
    org = cohort.organization
    if PairingRun.objects.for_org(org).filter(cohort=cohort, status__in=["queued", "running"]).exists():
        raise Conflict("Pairing is still running; publish when it is done.")
    pairs = list(sel.pairs_of(cohort))
    if not pairs:
        raise DomainError("There are no pairs to publish yet.")
    cohort.status, cohort.published_at = Cohort.Status.PUBLISHED, timezone.now()
    cohort.save(update_fields=["status", "published_at"])
    _record(cohort, actor, PairChange.Action.PUBLISH, f"Published {len(pairs)} pair(s)",
            after={"pairs": [_pair_view(p) for p in pairs[:500]]})
    _notify_pairs(cohort, pairs)
    transaction.on_commit(lambda: _send_pair_emails(cohort, pairs))
    return cohort


def _notify_pairs(cohort: Cohort, pairs: list[Pair]) -> None:
    """In-app, in the publishing transaction: one notification per mentee and
    one per mentor (however many mentees they have), linking to their pairing."""
    from sessions_app.models_nudges import Notification

    org = cohort.organization
    link = reverse("org_home", kwargs={"org_slug": org.slug}) + "#my-pairing"
    where = f"{cohort.program.name} · {cohort.name}"
    by_mentor: dict = {}
    notes = []
    for pair in pairs:
        by_mentor.setdefault(pair.mentor_id, (pair.mentor, []))[1].append(pair.mentee.membership.display_name)
        notes.append(Notification(organization=org, recipient_id=pair.mentee.membership_id, link=link,
                                  title=f"Your mentor: {pair.mentor.membership.display_name}"[:200],
                                  body=f"You are paired with {pair.mentor.membership.display_name} in {where}, "
                                       f"until {cohort.ends_on:%d %B %Y}."))
    for mentor, mentees in by_mentor.values():
        notes.append(Notification(organization=org, recipient_id=mentor.membership_id, link=link,
                                  title=f"Your mentee{'s' * (len(mentees) != 1)} in {where}"[:200],
                                  body=f"You mentor {', '.join(sorted(mentees))} in {where}, "
                                       f"until {cohort.ends_on:%d %B %Y}."))
    Notification.objects.for_org(org).bulk_create(notes, batch_size=1000)


def _send_pair_emails(cohort: Cohort, pairs: list[Pair]) -> None:
    """One email per mentee and per mentor; a mail failure is logged, not raised
    (the cohort is published either way; the pairs show on the home page)."""
    by_mentor: dict = {}
    for pair in pairs:
        by_mentor.setdefault(pair.mentor_id, (pair.mentor, []))[1].append(pair)
    messages = [(pair.mentee.membership, "emails/pair_mentee", {"pair": pair}) for pair in pairs]
    messages += [(mentor.membership, "emails/pair_mentor", {"pairs": mine}) for mentor, mine in by_mentor.values()]
    for person, template, context in messages:
        context.update(cohort=cohort, org=cohort.organization, person=person)
        try:
            send_mail(subject=f"[Touchpoint] Your pairing in {cohort.program.name} · {cohort.name}",
                      message=render_to_string(f"{template}.txt", context), from_email=None,
                      recipient_list=[person.email])
        except Exception:  # SMTP errors come in many classes
            logger.exception("Could not email %s about their pairing", person.email)


@transaction.atomic
def cohort_end(*, actor: Membership, cohort: Cohort) -> Cohort:
    require_role(actor, "manager")
    cohort = Cohort.objects.for_org(actor.organization).select_for_update().get(pk=cohort.pk)
    if cohort.status != Cohort.Status.PUBLISHED:
        raise Conflict("Only a published cohort can end.")
    cohort.status, cohort.ended_at = Cohort.Status.ENDED, timezone.now()
    cohort.save(update_fields=["status", "ended_at"])
    counts = Pair.objects.for_org(cohort.organization).filter(cohort=cohort).aggregate(pairs=Count("id"))
    _record(cohort, actor, PairChange.Action.END, "Ended the cohort", after=counts)
    return cohort
