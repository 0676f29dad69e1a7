"""Benchmark: how fast check_links gets through links, by number of workers.

Serves 200 links from a local HTTP server on 127.0.0.1 (each answer takes 50 ms)
and checks them with 1, 8 and 16 workers. Run: .venv/bin/python bench/check_links.py
"""

from __future__ import annotations

import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "briefing.settings")

import django  # noqa: E402

django.setup()

from entries.checker import check_urls  # noqa: E402

LINKS, DELAY = 200, 0.05


class Slowish(BaseHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass

    def do_GET(self) -> None:
        time.sleep(DELAY)
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")


def main() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Slowish)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        for workers in (1, 8, 16):
            started = time.monotonic()
            results = check_urls([f"{base}/{i}" for i in range(LINKS)], workers=workers, timeout=5)
            elapsed = time.monotonic() - started
            assert all(r.ok for r in results)
            print(f"check_links: {LINKS} links ({DELAY * 1000:.0f} ms each), {workers:>2} workers: "
                  f"{elapsed:.2f} s, {LINKS / elapsed:.0f} links/s")
    finally:
        server.shutdown()


if __name__ == "__main__":
    main()
