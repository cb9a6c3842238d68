"""Health, the landing page, the org switcher and invitation acceptance."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from sessions_app.selectors.loop import home_loop

from ..auth import INVITATION_SESSION_KEY
from ..errors import DomainError
from ..models import Heartbeat
from ..selectors import memberships_of_user, org_overview_counts
from ..services import invitation_accept, invitation_open
from .base import org_view


def _redis_status() -> str:
    if not settings.REDIS_URL:
        return "absent"
    import redis

    try:
        client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=0.5, socket_timeout=0.5)
        client.ping()
        return "ok"
    except redis.RedisError:
        return "down"


@never_cache
def healthz(request):
    body = {"db": "ok", "redis": _redis_status(), "broker": "redis" if settings.REDIS_URL else "filesystem"}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        beat = Heartbeat.objects.filter(name="worker").first()
        body["worker_heartbeat"] = beat.at.isoformat() if beat else None
    except Exception:  # any database failure means we cannot serve
        body["db"] = "down"
        return JsonResponse(body, status=503)
    return JsonResponse(body)


@login_required
def home(request):
    """Send a signed-in person to their (first) organisation."""
    memberships = memberships_of_user(request.user)
    if len(memberships) == 1:
        return redirect("org_home", org_slug=memberships[0].organization.slug)
    return render(request, "orgs.html", {"memberships": memberships})


@org_view()
def org_home(request, org, membership):
    counts = org_overview_counts(org) if membership.is_manager else None
    context = {"counts": counts}
    if membership.is_mentee or membership.is_mentor:
        # Mentees (and mentors) open on their next steps, then what waits on them.
        context.update(home_loop(membership), show_loop=True, return_to=request.get_full_path())
    return render(request, "org_home.html", context)


@never_cache
@require_http_methods(["GET", "POST"])
def invitation_accept_view(request, token):
    invitation = invitation_open(token)
    if invitation is None:
        return render(request, "invitation_invalid.html", status=404)
    if not request.user.is_authenticated:
        request.session[INVITATION_SESSION_KEY] = token
        if request.method == "POST" or request.GET.get("start"):
            return redirect(reverse("account_signup") + f"?email={invitation.email}")
        return render(request, "invitation.html", {"invitation": invitation})
    if request.method == "POST":
        try:
            membership = invitation_accept(token=token, user=request.user)
        except DomainError as error:
            messages.error(request, error.first_message)
            return render(request, "invitation.html", {"invitation": invitation}, status=400)
        messages.success(request, f"Welcome to {membership.organization.name}.")
        return redirect("org_home", org_slug=membership.organization.slug)
    return render(request, "invitation.html", {"invitation": invitation})
