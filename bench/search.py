"""Benchmark: search over a large archive, on the database DATABASE_URL names.

Builds a throwaway test database (never the real one), fills it with
published issues and entries, then times each query (a page of results
with its total, as the search page reads it) and reports which of
PostgreSQL's search indexes (trigrams, character pairs) answered it. Run with
`make bench-search`; `--entries` sets the archive size.
"""

from __future__ import annotations

import argparse
import datetime
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "briefing.settings")
os.environ.setdefault("TEST_DATABASE_NAME", "test_briefing_bench_search")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402
from tqdm import tqdm  # noqa: E402

QUERIES = ["量化", "芯片", "模型压缩", "RISC-V", "YOLOX", "int8", "向量扩展 推理", "没有这个词xyz",
           "quantization", "edge inference", "nothing-like-this"]
#: The English edition: every third entry has an English title and summary.
ENGLISH_WORDS = ["model compression", "quantization", "chips", "RISC-V", "YOLOX", "INT8", "pruning",
                 "distillation", "inference runtimes", "deployment", "vector extensions"]
WORDS = ["模型压缩", "量化", "芯片", "RISC-V", "YOLOX", "INT8", "剪枝", "蒸馏", "推理框架", "部署", "向量扩展"]
INDEXES = ("entry_search_text_trgm", "entry_search_text_bigrams")


def fill(entries: int) -> None:
    from entries.models import Entry, Source
    from issues.models import Issue

    issues_needed = max(1, entries // 30)
    start = datetime.date(2015, 1, 1)
    now = timezone.now()
    issues = Issue.objects.bulk_create([
        Issue(date=start + datetime.timedelta(days=14 * n), title=f"嵌入式AI简报 {n}",
              status=Issue.Status.PUBLISHED, publish_at=now - datetime.timedelta(days=issues_needed - n))
        for n in range(issues_needed)
    ])
    sources = Source.objects.bulk_create([Source(name=f"来源 {n}", slug=f"source-{n}") for n in range(200)])
    batch = []
    for n in tqdm(range(entries), desc="entries", unit="entry"):
        word = WORDS[n % len(WORDS)]
        english = n % 3 == 0
        entry = Entry(
            title_en=f"Item {n}: {ENGLISH_WORDS[n % len(WORDS)]} in practice on edge devices" if english else "",
            summary_en=(f"Summary {n}. " + "Filler text about edge inference, " * 6
                        + ENGLISH_WORDS[(n * 3) % len(WORDS)]) if english else "",
            issue=issues[n % len(issues)], section=10 * (1 + n % 6), position=n,
            title=f"第 {n} 条：{word} 在端侧的实践 {n * 7919 % 100000}",
            summary=f"摘要 {n}。" + "这是一段用于填充的文字，" * 8 + WORDS[(n * 3) % len(WORDS)],
            source=sources[n % len(sources)], url=f"https://example.com/{n}",
        )
        batch.append(entry)
        if len(batch) == 2000:
            Entry.objects.bulk_create(batch)
            batch = []
    Entry.objects.bulk_create(batch)
    # What Entry.save() would do; bulk_create bypasses it.
    Entry.objects.all().store_search_text()
    Issue.objects.all().content_changed()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for index in INDEXES:
                cursor.execute("SELECT gin_clean_pending_list(%s::regclass)", [index])
            cursor.execute("ANALYZE")


def run(repeat: int) -> None:
    from entries.search import search_matches, search_page

    def page_of(query: str) -> tuple[int, int]:
        # What the view reads: the first page's entries (with issue and source) and the total, in one query.
        page = search_page(query, 1, 20)
        return page.paginator.count, len(page.object_list)

    print(f"{'query':<16} {'hits':>7} {'median ms':>10}  indexes used")
    for query in QUERIES:
        timings = []
        page_of(query)  # warm-up: the first query of a process pays for setup
        for _ in range(repeat):
            started = time.perf_counter()
            hits, _shown = page_of(query)
            timings.append((time.perf_counter() - started) * 1000)
        used = ""
        if connection.vendor == "postgresql":
            plan = search_matches(query).explain()
            used = ", ".join(index for index in INDEXES if index in plan) or "none (scan)"
        print(f"{query:<16} {hits:>7} {statistics.median(timings):>10.1f}  {used}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=20000, help="archive size (default 20000)")
    parser.add_argument("--repeat", type=int, default=5, help="runs per query (default 5)")
    args = parser.parse_args()
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        fill(args.entries)
        print(f"{connection.vendor}, {args.entries} entries; count + first page of 20, median of {args.repeat}")
        run(args.repeat)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
    print(f"Done: {len(QUERIES)} queries over {args.entries} entries.")


if __name__ == "__main__":
    main()
