"""The two baseline views of ``make bench`` (routed only when
``settings.BENCH_BASELINES`` is true): what the stack costs before any of our
code runs, so every real endpoint is judged beside them in the same run."""

from __future__ import annotations

from django.http import Http404, HttpResponse, JsonResponse

from ..models import Organization

FIXED_BODY = b"touchpoint bench baseline\n" * 40  # ~1 KB, the size of a small JSON page


def fixed_bytes(request):
    """(a) The whole middleware stack, no database, no template."""
    return HttpResponse(FIXED_BODY, content_type="text/plain")


def one_query(request, slug):
    """(b) One indexed query (organisation by its unique slug) rendered to JSON."""
    org = Organization.objects.filter(slug=slug).values("id", "slug", "name", "time_zone").first()
    if org is None:
        raise Http404("No such organisation.")
    return JsonResponse(org)
