"""Template context of sessions_app."""

from django.utils.functional import SimpleLazyObject


def notifications(request):
    """``unread_notifications`` for the navigation badge: counted only when a
    template reads it, and only inside an org (the membership is resolved)."""
    membership = getattr(request, "membership", None)
    if membership is None:
        return {}

    def count() -> int:
        from .selectors.nudges import unread_notification_count

        return unread_notification_count(membership)

    return {"unread_notifications": SimpleLazyObject(count)}
