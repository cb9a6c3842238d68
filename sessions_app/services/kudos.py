"""Five-minute kudos: anyone thanks anyone in the org, optionally for a session."""

from __future__ import annotations

from mentoring.errors import DomainError, NotPermitted
from mentoring.models import Membership

from ..models import Kudos, MentoringSession

MESSAGE_MAX = Kudos._meta.get_field("message").max_length


def kudos_give(*, actor: Membership, receiver: Membership, message: str,
               session: MentoringSession | None = None) -> Kudos:
    if actor is None or not actor.is_active:
        raise NotPermitted("Only active members give kudos.")
    org = actor.organization
    errors = {}
    if receiver is None or receiver.organization_id != org.pk or not receiver.is_active:
        errors["receiver"] = [f"Pick an active member of {org.name}."]
    elif receiver.pk == actor.pk:
        errors["receiver"] = ["Kudos go to someone else, not to yourself."]
    message = " ".join((message or "").split())
    if not message:
        errors["message"] = ["Say what you are thanking them for."]
    elif len(message) > MESSAGE_MAX:
        errors["message"] = [f"Keep kudos short: at most {MESSAGE_MAX} characters (you wrote {len(message)})."]
    if session is not None and not errors.get("receiver") and (
            session.organization_id != org.pk or not session.is_participant(actor)
            or not session.is_participant(receiver)):
        errors["session"] = ["Kudos for a session go from one of its participants to the other."]
    if errors:
        raise DomainError(errors)
    return Kudos.objects.for_org(org).create(organization=org, giver=actor, receiver=receiver, session=session,
                                             message=message)
