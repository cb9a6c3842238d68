from django.apps import AppConfig


class MentoringConfig(AppConfig):
    name = "mentoring"
    verbose_name = "Touchpoint core"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import data_rights  # noqa: F401 - registers the core's export sections and erasers
