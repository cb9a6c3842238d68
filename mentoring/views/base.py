"""What every org page shares: resolving the org from the URL, role checks,
and turning domain errors into form messages."""

from __future__ import annotations

import functools

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect

from ..mfa import mfa_message, mfa_missing
from ..tenancy import resolve_org


def org_view(*roles: str):
    """Decorate a view taking ``org_slug``: sign-in required, org and membership
    resolved once (404 for outsiders), the org's MFA requirement (managers and HR
    without MFA are sent to set it up), optional role requirement (403 for a
    member without it). ``view.org_roles`` declares the roles for the role matrix
    (tests/test_role_matrix.py); ``org_view()`` means every member."""

    def decorator(view):
        @functools.wraps(view)
        def wrapped(request, org_slug, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            org, membership = resolve_org(request, org_slug)
            if mfa_missing(membership):
                messages.warning(request, mfa_message(org))
                return redirect("mfa_index")
            if roles and not membership.has_role(*roles):
                raise PermissionDenied(f"This page needs the {' or '.join(roles)} role.")
            return view(request, org, membership, *args, **kwargs)

        wrapped.org_roles = roles
        return wrapped

    return decorator


def form_errors_from(form, error) -> None:
    """Copy a DomainError's field messages onto a Django form."""
    for field, messages in error.errors.items():
        target = field if field in form.fields else None
        for message in messages:
            form.add_error(target, message)
