#!/bin/sh
# The image's entry point (Dockerfile). One argument picks what the container does:
#   serve    gunicorn on 0.0.0.0:8000 (the default); never touches the schema
#   migrate  the release step: apply migrations, then load any missing seed rows (both are
#            safe to run again, but run them once, before starting or replacing the servers)
#   ...      anything else is a manage.py command, e.g. `evaluate --check case.yaml`
set -eu
cd "$(dirname "$0")"  # /app in the image

case "${1:-serve}" in
serve)
    # gthread: each worker runs GUNICORN_THREADS requests at once, so a few slow clients or a
    # hanging database cannot take every worker (security review, D3 and D14); --timeout
    # restarts a worker that stops answering. Run it behind a proxy that buffers requests
    # (nginx, a load balancer): gunicorn reads a request's headers in a worker thread, and a
    # proxy keeps slow clients off it. gunicorn.conf.py (read from /app) sets the log format.
    exec gunicorn avverge.wsgi:application --bind "0.0.0.0:${PORT:-8000}" \
        --workers "${WEB_CONCURRENCY:-2}" --worker-class gthread \
        --threads "${GUNICORN_THREADS:-8}" --timeout 30 --graceful-timeout 20 \
        --keep-alive 5 --access-logfile -
    ;;
migrate)
    python manage.py migrate --noinput
    exec python manage.py seed
    ;;
*)
    exec python manage.py "$@"
    ;;
esac
