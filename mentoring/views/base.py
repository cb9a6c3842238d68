"""What every org page shares: resolving the org from the URL, role checks,
turning domain errors into form messages, and the two
thin page shapes built on them (form page, confirm page)."""

from __future__ import annotations

import functools

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render

from ..errors import DomainError
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


def form_view(request, form, *, run, success_message, redirect_to, template, context=None):
    """The "bind, validate, call a service, message, redirect" page.

    The caller builds ``form``: bound to ``request.POST`` on a POST, unbound (or with
    initial data) on a GET. A bound, valid form is passed to ``run(form)``, which calls
    the service; a DomainError's messages land on the form. On success the
    ``success_message`` (text, or a function of run's result; None for no message) is
    flashed and the browser is sent to ``redirect_to`` (a URL, or a function of the
    result). Otherwise ``template`` is rendered with ``form`` and ``context`` (a dict,
    or a function returning one, so it is only built when the page is shown), with
    status 400 for a rejected POST."""
    status = 200
    if form.is_bound:
        if form.is_valid():
            try:
                result = run(form)
            except DomainError as error:
                form_errors_from(form, error)
            else:
                message = success_message(result) if callable(success_message) else success_message
                if message:
                    messages.success(request, message)
                return redirect(redirect_to(result) if callable(redirect_to) else redirect_to)
        status = 400
    extra = context() if callable(context) else context
    return render(request, template, {**(extra or {}), "form": form}, status=status)


def action_view(request, *, act, done_message, redirect_to, error_prefix=""):
    """The "act, flash, redirect" answer to a button's POST.

    Calls ``act()``; a DomainError's first message (after ``error_prefix``) is flashed
    as an error, otherwise ``done_message`` (text, or a function of act's result) as a
    success; either way the browser is sent to ``redirect_to``."""
    try:
        result = act()
    except DomainError as error:
        messages.error(request, f"{error_prefix}{error.first_message}")
    else:
        messages.success(request, done_message(result) if callable(done_message) else done_message)
    return redirect(redirect_to)


def confirm_view(request, *, act, title, body, confirm_label, cancel_url, done_message, redirect_to,
                 danger=True):
    """The "confirm on GET, act on POST" page for destructive actions: GET renders
    ``confirm.html`` (``body`` may be a function, built only then); POST is
    :func:`action_view`."""
    if request.method == "POST":
        return action_view(request, act=act, done_message=done_message, redirect_to=redirect_to)
    return render(request, "confirm.html", {
        "title": title, "body": body() if callable(body) else body, "confirm_label": confirm_label,
        "danger": danger, "cancel_url": cancel_url})
