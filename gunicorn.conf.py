"""gunicorn's settings, read from the working directory (the image's CMD runs in /app).

The access log keeps the method, the path and the status, never the query string or the
Referer: a walk's answers travel in the query string, and even encrypted they do not belong in
a log (README, "Privacy").
"""

access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms'


def post_worker_init(worker):
    """The worker has loaded the application: load the content and freeze what it holds
    (avverge/warming.py)."""
    from avverge.warming import warm_and_freeze

    warm_and_freeze()
