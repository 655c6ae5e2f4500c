"""gunicorn settings of the production shape: ``gunicorn -c deploy/gunicorn.conf.py wsgi:app``.

gunicorn listens on the loopback only, behind nginx (``deploy/nginx/yimatong.conf.template``), which
reads every request in full, slow clients included, before it reaches a worker: a sync worker then
never waits on a client. Limits here are a second line behind nginx's. See docs/deployment.md.
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")  # never 0.0.0.0: nginx is the only client
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
worker_class = "sync"  # nginx buffers requests and responses, so sync workers never wait on a client
timeout = 30  # a worker stuck this long is replaced
graceful_timeout = 30
limit_request_line = 4094  # bytes in "METHOD /path?query HTTP/1.1": longer is 414
limit_request_fields = 64  # headers per request: more is 431
limit_request_field_size = 8190  # bytes per header: larger is 431
forwarded_allow_ips = "127.0.0.1"  # only nginx's X-Forwarded-* headers are believed
accesslog = "-"


def post_worker_init(worker):
    """Make gunicorn's own error answers problem documents, like the application's."""
    from app.core.server import install_problem_documents

    install_problem_documents(worker.wsgi)


control_socket_disable = True  # no management socket in $HOME: one per host would be shared by every instance
