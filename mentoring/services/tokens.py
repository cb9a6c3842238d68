"""Personal API tokens: issue and revoke (audited)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from ..audit import Action, audit_record_for_user
from ..errors import DomainError, NotPermitted
from ..mfa import tokens_refused_without_mfa
from ..models import ApiToken, User


def token_issue(*, user: User, name: str = "API token") -> tuple[ApiToken, str]:
    """Create a personal token; the raw value is returned once and never stored."""
    name = (name or "").strip() or "API token"
    if len(name) > 80:
        raise DomainError("At most 80 characters.", field="name")
    refused = tokens_refused_without_mfa(user)
    if refused:
        raise NotPermitted(refused)
    raw = ApiToken.generate()
    with transaction.atomic():
        token = ApiToken.objects.create(user=user, name=name, prefix=raw[:10], digest=ApiToken.hash(raw))
        audit_record_for_user(user=user, action=Action.TOKEN_CREATE, target=token, after={"name": name})
    return token, raw


@transaction.atomic
def token_revoke(*, user: User, token: ApiToken) -> ApiToken:
    if token.user_id != user.pk:
        raise DomainError("No such token.")
    revoked = ApiToken.objects.filter(pk=token.pk, revoked_at=None).update(revoked_at=timezone.now())
    token.refresh_from_db()
    if revoked:
        audit_record_for_user(user=user, action=Action.TOKEN_REVOKE, target=token,
                              before={"revoked": False}, after={"revoked": True})
    return token
