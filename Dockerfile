# App image: the same image runs the web server (default CMD), the Celery worker and beat.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# Unprivileged runtime user. The code stays owned by root (read-only to the app);
# only VAR_DIR (/app/var: collected static files, local media fallback) is writable.
RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --home-dir /app --no-create-home --shell /usr/sbin/nologin app

# Dependencies first so code changes do not invalidate this layer. Every pin has a wheel, so no compiler is needed.
COPY requirements.lock ./
RUN pip install --no-cache-dir -r requirements.lock

COPY . .
RUN mkdir -p /app/var && chown app:app /app/var

USER app

# Static files are collected into the image (served by WhiteNoise with the manifest storage).
# The secret key exists only for this command; the real one comes from the environment at run time.
RUN DJANGO_SECRET_KEY=build-only-dummy-not-used-at-runtime python manage.py collectstatic --noinput

EXPOSE 8000

# Gunicorn reads its worker count from WEB_CONCURRENCY; override it per deployment.
ENV WEB_CONCURRENCY=3
# Every container of this image runs the deploy checks first and refuses to start on a failure.
ENTRYPOINT ["/app/deploy/entrypoint.sh"]
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--access-logfile", "-", "--error-logfile", "-"]
