"""gunicorn settings of the production shape: ``gunicorn -c deploy/gunicorn.conf.py wsgi:app``.

gunicorn listens on the loopback only, behind nginx (``deploy/nginx/yimatong.conf.template``), which
reads every request in full, slow clients included, before it reaches a worker: a sync worker then
never waits on a client. Limits here are a second line behind nginx's. See docs/deploy.md.

Metrics: every worker counts into files in ``PROMETHEUS_MULTIPROC_DIR`` (a fresh directory per
start unless set; emptied when gunicorn starts), so ``/metrics`` on any worker adds up the node.
Give each gunicorn of a host its own directory.
Logs: with ``LOG_FORMAT=json`` (production's default) gunicorn's own lines are JSON too and the
application writes the access log (one line per request, with its request id); with ``text``
gunicorn writes its usual access log.
"""

import multiprocessing
import os
import tempfile
from pathlib import Path

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")  # never 0.0.0.0: nginx is the only client
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
worker_class = "sync"  # nginx buffers requests and responses, so sync workers never wait on a client
timeout = 30  # a worker stuck this long is replaced
graceful_timeout = 30
limit_request_line = 4094  # bytes in "METHOD /path?query HTTP/1.1": longer is 414
limit_request_fields = 64  # headers per request: more is 431
limit_request_field_size = 8190  # bytes per header: larger is 431
forwarded_allow_ips = "127.0.0.1"  # only nginx's X-Forwarded-* headers are believed

_log_format = os.environ.get("LOG_FORMAT") or (
    "json" if os.environ.get("YIMATONG_ENV") == "production" else "text"
)
accesslog = None if _log_format == "json" else "-"  # in json the application logs each request
if _log_format == "json":
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "app.core.logs.JsonFormatter"}},
        "handlers": {
            "stderr": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}
        },
        "root": {"level": "INFO", "handlers": []},  # the application installs its own JSON handler
        "loggers": {
            "gunicorn.error": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
            "gunicorn.access": {"handlers": [], "level": "INFO", "propagate": False},
        },
    }

_made_metrics_directory: list[Path] = []


def on_starting(server):
    """Where the workers count (set before any of them imports prometheus_client), every count at zero."""
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not directory:
        directory = tempfile.mkdtemp(prefix="yimatong-metrics-")
        _made_metrics_directory.append(Path(directory))
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = directory  # the workers inherit it when forked
    Path(directory).mkdir(parents=True, exist_ok=True)
    for stale in Path(directory).glob("*.db"):  # a previous run's counts would be added up
        stale.unlink()


def child_exit(server, worker):
    """A worker gone (killed, timed out, recycled): its live gauges leave the node's figures."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid, os.environ["PROMETHEUS_MULTIPROC_DIR"])


def on_exit(server):
    """Remove the metrics directory this start made."""
    import shutil

    for directory in _made_metrics_directory:
        shutil.rmtree(directory, ignore_errors=True)


def post_worker_init(worker):
    """Make gunicorn's own error answers problem documents, like the application's."""
    from app.core.server import install_problem_documents

    install_problem_documents(worker.wsgi)


control_socket_disable = True  # no management socket in $HOME: one per host would be shared by every instance
