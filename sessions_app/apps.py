from django.apps import AppConfig


class SessionsAppConfig(AppConfig):
    """Availability, booking, session logs, next steps, surveys, kudos, nudges."""

    name = "sessions_app"
    verbose_name = "Micro-sessions"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import data_rights  # noqa: F401 - registers the loop's export sections and erasers
