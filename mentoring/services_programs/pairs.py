"""Adjusting a draft cohort's pairs by hand: lock, unlock, unpair, swap, assign."""

from __future__ import annotations

import numpy as np
from django.db import transaction

from .. import selectors_programs as sel
from ..errors import Conflict, DomainError
from ..models import Membership
from ..models_programs import Cohort, Pair, PairChange, Participant
from ..pairing.instance import prepare
from ..services import require_role
from .history import _pair_view, _record
from .programs import _editable


def _pair_in(cohort: Cohort, pair: Pair) -> Pair:
    try:
        return sel.pairs_of(cohort).get(pk=pair.pk)
    except Pair.DoesNotExist:
        raise DomainError("That pair is not in this cohort.", field="pair") from None


def _pair_action(actor, pair, locked: bool) -> Pair:
    require_role(actor, "manager")
    cohort = _editable(pair.cohort)
    pair = _pair_in(cohort, pair)
    before = _pair_view(pair)
    pair.locked = locked
    pair.save(update_fields=["locked"])
    verb = "Locked" if locked else "Unlocked"
    _record(cohort, actor, PairChange.Action.LOCK if locked else PairChange.Action.UNLOCK,
            f"{verb} {pair.mentee.membership.display_name} ← {pair.mentor.membership.display_name}",
            before=before, after=_pair_view(pair))
    return pair


@transaction.atomic
def pair_lock(*, actor: Membership, pair: Pair) -> Pair:
    return _pair_action(actor, pair, True)


@transaction.atomic
def pair_unlock(*, actor: Membership, pair: Pair) -> Pair:
    return _pair_action(actor, pair, False)


@transaction.atomic
def pair_unpair(*, actor: Membership, pair: Pair) -> Participant:
    require_role(actor, "manager")
    cohort = _editable(pair.cohort)
    pair = _pair_in(cohort, pair)
    if pair.locked:
        raise Conflict("This pair is locked; unlock it first.")
    before, mentee = _pair_view(pair), pair.mentee
    pair.delete()
    mentee.unmatched_why = f"unpaired by {actor.display_name}"
    mentee.save(update_fields=["unmatched_why"])
    _record(cohort, actor, PairChange.Action.UNPAIR,
            f"Unpaired {before['mentee']} from {before['mentor']}", before=before)
    return mentee


def _checked(cohort: Cohort, pairs: list[tuple[Participant, Participant]]) -> list[tuple[float, list[str]]]:
    """Score and reasons of each (mentee, mentor) pair under the cohort's hard
    rules, one 1×1 instance per pair so that the rules it breaks can be named."""
    out = []
    for mentee, mentor in pairs:
        prepared = prepare(sel.pairing_instance(cohort, only=(mentee, mentor)).instance)
        if np.isnan(prepared.matrix[0, 0]):
            broken = [rule for rule, count in prepared.excluded(0).items() if count]
            raise DomainError(f"{mentee.membership.display_name} and {mentor.membership.display_name} "
                              f"cannot be paired: {', '.join(broken) or 'a pairing rule'}.")
        out.append((round(float(prepared.matrix[0, 0]), 4), prepared.explain(0, 0)))
    return out


@transaction.atomic
def pair_swap(*, actor: Membership, pair: Pair, other: Pair) -> tuple[Pair, Pair]:
    """Swap the mentors of two mentees; both new pairs must pass the hard rules."""
    require_role(actor, "manager")
    cohort = _editable(pair.cohort)
    pair, other = _pair_in(cohort, pair), _pair_in(cohort, other)
    if pair.pk == other.pk or pair.mentor_id == other.mentor_id:
        raise DomainError("Pick two pairs with different mentors.", field="other")
    if pair.locked or other.locked:
        raise Conflict("A locked pair cannot be swapped; unlock it first.")
    before = {"pairs": [_pair_view(pair), _pair_view(other)]}
    (score_a, reasons_a), (score_b, reasons_b) = _checked(cohort, [(pair.mentee, other.mentor),
                                                                     (other.mentee, pair.mentor)])
    pair.mentor, other.mentor = other.mentor, pair.mentor
    pair.score, pair.reasons, other.score, other.reasons = score_a, reasons_a, score_b, reasons_b
    pair.origin = other.origin = Pair.Origin.MANUAL
    for p in (pair, other):
        p.save(update_fields=["mentor", "score", "reasons", "origin"])
    _record(cohort, actor, PairChange.Action.SWAP,
            f"Swapped mentors of {pair.mentee.membership.display_name} and {other.mentee.membership.display_name}",
            before=before, after={"pairs": [_pair_view(pair), _pair_view(other)]})
    return pair, other


@transaction.atomic
def pair_assign(*, actor: Membership, mentee: Participant, mentor: Participant, lock: bool = True) -> Pair:
    """Pair an unpaired mentee by hand (locked by default, so a re-run keeps it)."""
    require_role(actor, "manager")
    cohort = _editable(mentee.cohort)
    org = cohort.organization
    if mentee.cohort_id != cohort.pk or mentor.cohort_id != cohort.pk or mentee.organization_id != org.id:
        raise DomainError("Pick a mentee and a mentor of this cohort.")
    if mentee.role != Participant.Role.MENTEE or mentor.role != Participant.Role.MENTOR:
        raise DomainError("Pick a mentee and a mentor of this cohort.")
    mentee = Participant.objects.for_org(org).select_related("membership").get(pk=mentee.pk)
    mentor = Participant.objects.for_org(org).select_related("membership", "cohort").get(pk=mentor.pk)
    if Pair.objects.for_org(org).filter(mentee=mentee).exists():
        raise Conflict(f"{mentee.membership.display_name} already has a mentor; unpair them first.")
    taken = Pair.objects.for_org(org).filter(mentor=mentor).count()
    if taken >= mentor.effective_capacity:
        raise DomainError(f"{mentor.membership.display_name} is full ({taken} of {mentor.effective_capacity}).",
                          field="mentor")
    ((score, reasons),) = _checked(cohort, [(mentee, mentor)])
    pair = Pair.objects.for_org(org).create(organization=org, cohort=cohort, mentee=mentee, mentor=mentor,
                                            score=score, reasons=reasons, locked=lock, origin=Pair.Origin.MANUAL)
    mentee.unmatched_why = ""
    mentee.save(update_fields=["unmatched_why"])
    _record(cohort, actor, PairChange.Action.ASSIGN,
            f"Paired {mentee.membership.display_name} with {mentor.membership.display_name} by hand",
            after=_pair_view(pair))
    return pair
