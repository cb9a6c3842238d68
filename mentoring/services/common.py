"""The checks every use case of the core starts with."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from ..errors import DomainError, NotPermitted
from ..models import Membership


def require_role(membership: Membership, *roles: str) -> None:
    if membership is None or not membership.is_active or not membership.has_role(*roles):
        raise NotPermitted(f"This needs the {' or '.join(roles)} role.")


def _full_clean(obj, exclude=None) -> None:
    try:
        obj.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        raise DomainError(exc.message_dict) from None
