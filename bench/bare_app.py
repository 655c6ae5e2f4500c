"""The baseline: a bare Flask app answering every GET with a small JSON document.

``gunicorn bench.bare_app:app`` serves it with the same settings as the real app, so the ratio
of an endpoint's requests/s to this one's is what the endpoint costs beyond Flask and gunicorn.
"""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def status():
    """A document the size of ``/healthz``'s."""
    return {"status": "ok", "checks": {}}
