from django.apps import AppConfig


class SessionsAppConfig(AppConfig):
    """Availability, booking, session logs, next steps, surveys, kudos, nudges."""

    name = "sessions_app"
    verbose_name = "Micro-sessions"
    default_auto_field = "django.db.models.BigAutoField"
