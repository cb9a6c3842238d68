"""Personal API tokens of the signed-in user (not tied to an organisation)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from .. import services
from ..errors import DomainError
from ..forms import TokenForm
from ..models import ApiToken
from .base import form_errors_from

NEW_TOKEN_SESSION_KEY = "touchpoint_new_token"


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def api_tokens(request):
    status = 200
    if request.method == "POST":
        form = TokenForm(request.POST)
        if form.is_valid():
            try:
                token, raw = services.token_issue(user=request.user, name=form.cleaned_data["name"])
            except DomainError as error:
                form_errors_from(form, error)
            else:
                # Shown once, after the redirect, so a reload does not make another token.
                request.session[NEW_TOKEN_SESSION_KEY] = {"id": str(token.pk), "raw": raw}
                return redirect("api_tokens")
        status = 400
    else:
        form = TokenForm()
    context = {
        "form": form,
        "tokens": ApiToken.objects.filter(user=request.user).order_by("-created_at"),
        "new_token": request.session.pop(NEW_TOKEN_SESSION_KEY, None),
    }
    return render(request, "tokens/list.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def api_token_revoke(request, token_id):
    # Another user's token is simply not found.
    token = get_object_or_404(ApiToken, pk=token_id, user=request.user)
    if request.method == "POST":
        services.token_revoke(user=request.user, token=token)
        messages.success(request, f"Revoked “{token.name}”. Programs using it can no longer sign in.")
        return redirect("api_tokens")
    return render(request, "confirm.html", {
        "title": f"Revoke the token “{token.name}”?",
        "body": f"Anything using {token.prefix}… stops working at once. This cannot be undone.",
        "confirm_label": "Revoke token", "danger": True, "cancel_url": reverse("api_tokens"),
    })
