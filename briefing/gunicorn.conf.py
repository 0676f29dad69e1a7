"""gunicorn settings for `make serve` and the benchmark: production-like, on 127.0.0.1.

Every value can be overridden from the environment.
"""

import multiprocessing
import os

bind = os.environ.get("BIND", f"127.0.0.1:{os.environ.get('PORT', '8000')}")
# One sync worker per CPU and one to spare, not gunicorn's customary 2 × CPUs
# + 1: the pages are CPU-bound, so workers beyond the CPUs mostly evict each
# other from the processor's caches; the spare covers a worker waiting on the
# database. Raise WEB_CONCURRENCY where the database is far away.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() + 1))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
worker_class = "gthread" if threads > 1 else "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 20
# Recycling workers hides memory leaks from the load test; off unless asked for.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "0"))
max_requests_jitter = max_requests // 10
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")


def post_worker_init(worker) -> None:
    """Keep the garbage collector off what the worker loaded at start-up.

    Django, the URLconf, the templates and the translations are some 90,000
    objects that live as long as the worker; a full collection walks them
    all (about 50 ms here), and whichever request it lands on waits for it.
    Frozen, they are left out of every collection.
    """
    import gc

    # Collected first, so that no garbage of the start-up is kept for good.
    gc.collect()
    gc.freeze()
