# Avverge: production image. gunicorn behind a proxy; PostgreSQL through DATABASE_URL.
#
#   docker build -t avverge .
#   docker run --rm --env-file prod.env avverge migrate   # once per release, before the servers
#   docker run -d --env-file prod.env -p 8000:8000 avverge   # as many as you like
#
# Two stages: the build stage installs the pinned dependencies into /venv and prepares /app
# (translations compiled, static files collected, bytecode compiled); the runtime stage copies
# both, owned by root, so the user the server runs as can read the code but not change it.

FROM python:3.11-slim AS build

ENV PYTHONDONTWRITEBYTECODE=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# GNU gettext compiles the translations; it stays in this stage.
RUN apt-get update && apt-get install -y --no-install-recommends gettext \
    && rm -rf /var/lib/apt/lists/*

RUN python -m venv /venv
ENV PATH=/venv/bin:$PATH
WORKDIR /app

# Dependencies first, pinned by constraints.txt (`make lock`), so code changes reuse the layer.
COPY pyproject.toml constraints.txt README.md ./
RUN pip install -c constraints.txt .

COPY . .

# Static files are collected at build time; WhiteNoise serves them with far-future headers.
# The build needs a key and a host only to import the settings (which refuse weak ones); neither
# is kept or used at run time. The runtime user cannot write __pycache__, so compile it here.
RUN export DEBUG=false ALLOWED_HOSTS=build.invalid \
       SECRET_KEY="$(python -c 'import secrets; print(secrets.token_urlsafe(50))')" \
    && python manage.py compilemessages -v0 \
    && python manage.py collectstatic --noinput -v0 \
    && python -m compileall -q /app \
    && rm -f .env db.sqlite3


FROM python:3.11-slim AS runtime

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH=/venv/bin:$PATH

# No home and no shell login: the server needs neither. /app and /venv stay root's.
RUN useradd --system --uid 10001 --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin avverge

COPY --from=build /venv /venv
COPY --from=build /app /app
WORKDIR /app

USER avverge
EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "docker-healthcheck.py"]

# `serve` (the default) starts gunicorn and nothing else: migrations are a separate step
# (`migrate`, run once per release), so several replicas starting at once do not race on the
# schema. Any other argument is a manage.py command (`docker run … avverge evaluate …`).
ENTRYPOINT ["sh", "/app/docker-entrypoint.sh"]
CMD ["serve"]
