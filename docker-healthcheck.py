"""The image's HEALTHCHECK: GET /healthz on the local server, with a host it allows.

/healthz answers 200 only when the database does (README, "Production"); any other answer,
or none within 4 seconds, marks the container unhealthy (exit 1).
"""

import os
import sys
import urllib.error
import urllib.request

host = (os.environ.get("ALLOWED_HOSTS") or "localhost").split(",")[0].strip().lstrip(".")
port = os.environ.get("PORT") or "8000"
request = urllib.request.Request(f"http://127.0.0.1:{port}/healthz", headers={"Host": host})
try:
    with urllib.request.urlopen(request, timeout=4) as response:
        sys.exit(0 if response.status == 200 else 1)
except (urllib.error.URLError, OSError) as e:
    print(f"unhealthy: {e}", file=sys.stderr)
    sys.exit(1)
