"""The two-question post-session survey: once per participant per session."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from mentoring.errors import Conflict, DomainError
from mentoring.models import Membership

from ..models import MentoringSession, SurveyResponse
from .logging import require_participant

COMMENT_MAX = SurveyResponse._meta.get_field("comment").max_length
ALREADY_ANSWERED = "You already answered the survey for this session; thank you."


def survey_answer(*, actor: Membership, session: MentoringSession, usefulness: int,
                  comment: str = "") -> SurveyResponse:
    require_participant(actor, session, "answer the survey of this session")
    errors = {}
    if not isinstance(usefulness, int) or isinstance(usefulness, bool) or not 1 <= usefulness <= 5:
        errors["usefulness"] = ["Rate how useful the session was from 1 to 5."]
    comment = (comment or "").strip()
    if len(comment) > COMMENT_MAX:
        errors["comment"] = [f"Keep the comment under {COMMENT_MAX:,} characters."]
    if errors:
        raise DomainError(errors)
    if session.status != MentoringSession.Status.DONE:
        raise DomainError("The survey opens once the session is logged.")
    org = actor.organization
    try:
        # The unique constraint decides a race; the savepoint keeps an outer transaction usable.
        with transaction.atomic():
            return SurveyResponse.objects.for_org(org).create(
                organization=org, session=session, respondent=actor, usefulness=usefulness, comment=comment)
    except IntegrityError:
        raise Conflict(ALREADY_ANSWERED) from None
