"""Where the real briefing archive is, for tests that read it (never copied into the repo)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.conf import settings


def corpus_dir() -> Path:
    """BRIEFING_CORPUS if set, else ../shared/corpus next to the repository."""
    override = os.environ.get("BRIEFING_CORPUS")
    if override:
        return Path(override)
    return Path(settings.BASE_DIR).parent / "shared" / "corpus"


def corpus_files() -> list[Path]:
    directory = corpus_dir()
    if not directory.is_dir():
        return []
    return sorted(p for p in directory.glob("*.md") if p.name.lower() != "readme.md")


SKIP_MESSAGE = (
    f"the briefing corpus is not at {corpus_dir()}: set BRIEFING_CORPUS=/work/shared/corpus "
    "(or put the archive at ../shared/corpus next to the repository) to run these tests"
)
requires_corpus = pytest.mark.skipif(not corpus_files(), reason=SKIP_MESSAGE)


def corpus_file(date: str) -> Path:
    path = corpus_dir() / f"{date}.md"
    if not path.is_file():
        pytest.skip(SKIP_MESSAGE)
    return path
