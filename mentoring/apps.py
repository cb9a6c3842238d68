from django.apps import AppConfig


class MentoringConfig(AppConfig):
    name = "mentoring"
    verbose_name = "Touchpoint core"
    default_auto_field = "django.db.models.BigAutoField"
