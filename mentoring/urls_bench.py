"""Baseline views of ``make bench``, included at ``bench/``. Routed only when
``BENCH_BASELINES`` is on (the bench's gunicorn sets it); otherwise nothing
here exists and ``/bench/…`` is a plain 404."""

from django.conf import settings
from django.urls import path

from .views import bench

urlpatterns = [
    path("bytes", bench.fixed_bytes, name="bench_bytes"),
    path("query/<slug:slug>", bench.one_query, name="bench_query"),
] if getattr(settings, "BENCH_BASELINES", False) else []
