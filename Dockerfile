# Touchpoint image for docker-compose.yml: one image, three roles (web, worker, beat).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=mentoring.settings.production \
    STATIC_ROOT=/app/staticfiles \
    TOUCHPOINT_RUN_DIR=/app/.run

WORKDIR /app
COPY requirements.lock .
RUN pip install -r requirements.lock

COPY . .
# The build-time key exists only so settings import for collectstatic; the
# containers get the real SECRET_KEY from the environment at run time.
RUN SECRET_KEY=build-only-not-a-secret python manage.py collectstatic --noinput \
    && useradd --create-home --uid 10001 touchpoint \
    && mkdir -p /app/.run \
    && chown touchpoint /app/.run

USER touchpoint
EXPOSE 8000
# web (compose runs migrate first); worker and beat override the command.
CMD ["gunicorn", "mentoring.wsgi", "--bind", "0.0.0.0:8000", "--worker-class", "gthread", \
     "--workers", "2", "--threads", "4", "--access-logfile", "-"]
