# Avverge: production image. gunicorn behind a proxy; PostgreSQL through DATABASE_URL.
FROM python:3.11-slim AS base

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# GNU gettext compiles the translations at build time.
RUN apt-get update && apt-get install -y --no-install-recommends gettext \
    && rm -rf /var/lib/apt/lists/*

# Dependencies first, from pyproject.toml, so code changes do not reinstall them.
COPY pyproject.toml README.md ./
RUN pip install .

COPY . .

# Static files are collected at build time; WhiteNoise serves them with far-future headers.
# The build needs a key and a host only to import the settings (which refuse weak ones); neither
# is kept or used at run time.
RUN export DEBUG=false ALLOWED_HOSTS=build.invalid \
       SECRET_KEY="$(python -c 'import secrets; print(secrets.token_urlsafe(50))')" \
    && python manage.py compilemessages -v0 \
    && python manage.py collectstatic --noinput \
    && useradd --system --uid 10001 --home /app avverge \
    && chown -R avverge /app

USER avverge
EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD python -c "import os, sys, urllib.request as u; host = (os.environ.get('ALLOWED_HOSTS') or 'localhost').split(',')[0].strip().lstrip('.'); r = u.urlopen(u.Request('http://127.0.0.1:8000/healthz', headers={'Host': host}), timeout=4); sys.exit(r.status != 200)"

# Migrate and seed (idempotent) on start, then serve. gthread: each worker runs
# GUNICORN_THREADS requests at once, so a few slow clients or a hanging database cannot take
# every worker (security review, D3 and D14); --timeout restarts a worker that stops
# answering. Run it behind a proxy that buffers requests (nginx, a load balancer): gunicorn
# reads a request's headers in a worker thread, and a proxy keeps slow clients off it.
CMD ["sh", "-c", "python manage.py migrate --noinput && python manage.py seed && exec gunicorn avverge.wsgi:application --bind 0.0.0.0:8000 --workers ${WEB_CONCURRENCY:-2} --worker-class gthread --threads ${GUNICORN_THREADS:-8} --timeout 30 --graceful-timeout 20 --keep-alive 5 --access-logfile -"]
