"""The browser-test harness: the app served on a free port in a thread, driven by headless Chromium.

The server shares the test's database connection (each test still runs in one transaction rolled
back at its end), so it runs on PostgreSQL only; one lock serializes the server's requests and the
test's own reads of the database, so the two never use the connection at once.
"""

from __future__ import annotations

import contextvars
import json
import threading
from contextlib import contextmanager
from pathlib import Path

from werkzeug.serving import make_server

from app.extensions import db as _db

ROOT = Path(__file__).resolve().parents[2]
ARTEFACTS = ROOT / "test-artefacts" / "console"
AXE = Path(__file__).resolve().parent / "vendor" / "axe-core-4.14.1" / "axe.min.js"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SERIOUS = ("serious", "critical")


class LiveServer:
    """The app on ``http://127.0.0.1:<free port>``, one request at a time."""

    def __init__(self, app):
        self.lock = threading.RLock()
        self._app = app

        def serialized(environ, start_response):
            with self.lock:
                body = contextvars.Context().run(app, environ, start_response)
                try:
                    return list(body)
                finally:
                    if hasattr(body, "close"):
                        body.close()

        self.server = make_server("127.0.0.1", 0, serialized, threaded=False)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> LiveServer:
        """Serve in the background."""
        self.thread.start()
        return self

    def stop(self) -> None:
        """Stop serving."""
        self.server.shutdown()
        self.thread.join(5)
        self.server.server_close()

    @contextmanager
    def database(self):
        """Read the database from the test while no request is being served."""
        with self.lock:
            _db.session.expire_all()
            yield _db.session


def check_accessibility(page, name: str) -> list[dict]:
    """Run axe-core on the page; fail on serious or critical violations; return the others."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => JSON.stringify(await axe.run(document))")
    violations = json.loads(result)["violations"]
    bad = [v for v in violations if v.get("impact") in SERIOUS]
    summary = [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}" for v in bad
    ]
    assert not bad, f"accessibility violations on {name}:\n" + "\n".join(summary)
    return violations


def screenshot(page, name: str) -> Path:
    """Save a full-page screenshot under test-artefacts/console/."""
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTEFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def look(page, name: str) -> None:
    """What every page of a story gets: a screenshot and the accessibility check."""
    screenshot(page, name)
    check_accessibility(page, name)
