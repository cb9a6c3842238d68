"""Show times in the viewer's zone: their membership's zone inside an org,
else the browser-reported ``tz`` cookie, else UTC."""

import logging
import zoneinfo

from django.utils import timezone

logger = logging.getLogger(__name__)


class ViewerTimezoneMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        name = request.COOKIES.get("tz")
        try:
            timezone.activate(zoneinfo.ZoneInfo(name)) if name else timezone.deactivate()
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            timezone.deactivate()
        return self.get_response(request)


class ConflictMiddleware:
    """A database constraint a view did not anticipate (two people saving the same thing at once) is a
    409 page, never a 500. Services turn the expected ones into ``Conflict`` with a message; the API
    maps IntegrityError to 409 in ``api_base.exception_handler``."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        from django.db import IntegrityError
        from django.http import HttpResponse
        from django.shortcuts import render

        if not isinstance(exception, IntegrityError):
            return None
        logger.warning("constraint conflict on %s %s: %s", request.method, request.path, exception)
        try:
            return render(request, "409.html", status=409)
        except Exception:  # noqa: BLE001 - e.g. the transaction is still broken: a plain page
            return HttpResponse("Conflict: that clashes with something that already exists.", status=409,
                                content_type="text/plain; charset=utf-8")
