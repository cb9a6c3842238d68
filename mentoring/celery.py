"""The Celery app. Settings come from Django settings under the CELERY_ prefix.

Run exactly one beat per deployment (``celery -A mentoring beat``, or
``worker -B`` in ``make run``): two beats would enqueue every periodic sweep
twice.  The sweeps are idempotent anyway, but one beat keeps the load honest.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mentoring.settings.base")

app = Celery("touchpoint")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
