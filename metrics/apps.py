from django.apps import AppConfig


class MetricsConfig(AppConfig):
    """Role events, ramp milestones, metric snapshots and dashboards."""

    name = "metrics"
    verbose_name = "Impact metrics"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Sessions, next steps and survey answers feed the dashboards' snapshots.
        from . import signals_hooks

        signals_hooks.connect()
