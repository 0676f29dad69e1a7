"""gunicorn settings for `make serve` and the benchmark: production-like, on 127.0.0.1.

Every value can be overridden from the environment. Without REDIS_URL the page
cache lives in each process's memory, so one process (with threads) serves
everything and a publish shows at once; with Redis, several workers share it.
"""

import multiprocessing
import os

bind = os.environ.get("BIND", f"127.0.0.1:{os.environ.get('PORT', '8000')}")
_shared_cache = bool(os.environ.get("REDIS_URL"))
# One sync worker per CPU and one to spare, not gunicorn's customary 2 × CPUs
# + 1: Briefing's pages are CPU-bound (the issue page waits 0.07 of its 1.1 ms
# for PostgreSQL), so workers beyond the CPUs mostly evict each other from the
# processor's caches. On the benchmark's 2 CPUs, 3 workers served the uncached
# issue page 10-20% faster than 5 and cut the search's p99 from 105 to 87 ms;
# the spare covers a worker waiting on the database. Raise WEB_CONCURRENCY
# where the database is far away (each query a network round trip).
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() + 1 if _shared_cache else 1))
threads = int(os.environ.get("GUNICORN_THREADS", "1" if _shared_cache else "4"))
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
