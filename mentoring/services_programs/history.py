"""The PairChange history of a cohort: who changed its pairs, when, before/after."""

from __future__ import annotations

from ..models import Membership
from ..models_programs import Cohort, Pair, PairChange


def _pair_view(pair: Pair) -> dict:
    return {"pair": str(pair.pk), "mentee": pair.mentee.membership.display_name,
            "mentor": pair.mentor.membership.display_name, "score": pair.score, "locked": pair.locked}


def _record(cohort: Cohort, actor: Membership | None, action: str, summary: str, before=None, after=None):
    PairChange.objects.for_org(cohort.organization).create(
        organization=cohort.organization, cohort=cohort, actor=actor, action=action, summary=summary[:300],
        before=before or {}, after=after or {})
