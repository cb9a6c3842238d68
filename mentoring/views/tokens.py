"""Personal API tokens of the signed-in user (not tied to an organisation)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from .. import services
from ..forms import TokenForm
from ..models import ApiToken
from .base import confirm_view, form_view

NEW_TOKEN_SESSION_KEY = "touchpoint_new_token"


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def api_tokens(request):
    def issue(form):
        token, raw = services.token_issue(user=request.user, name=form.cleaned_data["name"])
        # Shown once, after the redirect, so a reload does not make another token.
        request.session[NEW_TOKEN_SESSION_KEY] = {"id": str(token.pk), "raw": raw}

    form = TokenForm(request.POST) if request.method == "POST" else TokenForm()
    return form_view(
        request, form, run=issue, success_message=None, redirect_to=reverse("api_tokens"),
        template="tokens/list.html",
        context=lambda: {"tokens": ApiToken.objects.filter(user=request.user).order_by("-created_at"),
                         "new_token": request.session.pop(NEW_TOKEN_SESSION_KEY, None)})


@login_required
@require_http_methods(["GET", "POST"])
def api_token_revoke(request, token_id):
    # Another user's token is simply not found.
    token = get_object_or_404(ApiToken, pk=token_id, user=request.user)
    back = reverse("api_tokens")
    return confirm_view(
        request, act=lambda: services.token_revoke(user=request.user, token=token),
        title=f"Revoke the token “{token.name}”?",
        body=f"Anything using {token.prefix}… stops working at once. This cannot be undone.",
        confirm_label="Revoke token", cancel_url=back, redirect_to=back,
        done_message=f"Revoked “{token.name}”. Programs using it can no longer sign in.")
