"""Show times in the viewer's zone: their membership's zone inside an org,
else the browser-reported ``tz`` cookie, else UTC."""

import zoneinfo

from django.utils import timezone


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
