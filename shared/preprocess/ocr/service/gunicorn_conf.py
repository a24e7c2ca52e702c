"""gunicorn settings for one version service on a 2-core machine.

Two sync-free workers (gthread, 4 threads each) with ONNX Runtime at 1 thread per worker: the two
workers use the two cores without oversubscribing them, and threads keep slow uploads from blocking a
worker. No preload: each worker builds its own ONNX Runtime session after fork (ORT's thread pools are
not fork-safe). Override with GUNICORN_* environment variables.
"""
import os
import shutil
import tempfile

# Not under ocr.service: importing that package here would load the app in the master, before the
# multiprocess metrics folder below is set.
from ocr.gunicorn_response import install as install_one_write_response

install_one_write_response()  # a worker killed mid-answer never leaves a 200 with half a body

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8001")
workers = int(os.environ.get("GUNICORN_WORKERS", "2"))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
timeout = 30
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "8"))  # inside docker's 10 s stop window
keepalive = 15
# Recycle each worker after this many requests (staggered by the jitter so both never restart at once):
# memory a large page left in the allocator is given back to the system.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = 200
accesslog = None  # the app logs one JSON line per inference
errorlog = "-"
loglevel = "warning"

# Multi-worker metrics: each worker writes its figures into this folder, /metrics sums them.
if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="ocr-metrics-")
_metrics_dir = os.environ["PROMETHEUS_MULTIPROC_DIR"]


def on_starting(server):
    # Figures of a previous run in the same folder would be summed in: start clean.
    for entry in os.listdir(_metrics_dir):
        os.remove(os.path.join(_metrics_dir, entry))
    # Workers started with --user write their figures here, not the master that made the folder.
    if server.cfg.uid != os.geteuid():
        os.chown(_metrics_dir, server.cfg.uid, server.cfg.gid)


def child_exit(server, worker):
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server):
    if _metrics_dir.startswith(tempfile.gettempdir() + "/ocr-metrics-"):
        shutil.rmtree(_metrics_dir, ignore_errors=True)
