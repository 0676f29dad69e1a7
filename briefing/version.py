"""The deployed code's version: what cached HTML is keyed by, so a deploy never serves fragments of old templates."""

from __future__ import annotations

import functools
import hashlib

from django.conf import settings

#: What rendered HTML is made from: code, templates and translations.
SOURCE_PATTERNS = ("*.py", "*.html", "*.txt", "*.mo")
SOURCE_FOLDERS = ("briefing", "issues", "entries", "templates", "locale")


@functools.cache
def code_version() -> str:
    """``settings.CODE_VERSION`` if set (a release id), else a digest of the code, templates and translations on disk.

    Computed once per process; a deploy starts new processes.
    """
    if settings.CODE_VERSION:
        return settings.CODE_VERSION
    digest = hashlib.blake2b(settings.SITE_URL.encode(), digest_size=8)
    for folder in SOURCE_FOLDERS:
        root = settings.BASE_DIR / folder
        for path in sorted(p for pattern in SOURCE_PATTERNS for p in root.rglob(pattern)):
            if "migrations" not in path.parts and "__pycache__" not in path.parts:
                digest.update(str(path.relative_to(settings.BASE_DIR)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()
