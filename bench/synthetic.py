"""A synthetic Briefing archive, built with bulk_create in seconds rather than minutes.

bulk_create skips ``save()``, so the HTML that ``save()`` would render is
rendered here once per distinct text and stored, as the real site stores it;
then each entry's search text (with its source and tags) is written and the
issues are marked changed, as ``save()`` and the tag signals would do.
"""

from __future__ import annotations

import datetime
import random
import time

from django.db import transaction
from django.utils import timezone

from briefing.markdown import render_inline, render_markdown
from entries.links import normalize_url
from entries.models import Entry, Source, Tag, TaggedEntry
from issues.models import Issue

FIRST_DATE = datetime.date(2000, 1, 3)
HOT_TAG = "量化"  # on every fifth entry: the benchmark's tag page

SUMMARIES = [
    "本文提出一种面向 **移动端** 的 INT8 量化方法，在 ImageNet 上精度损失小于 0.5%。\n\n- 支持 ARM NEON\n- 代码：https://github.com/example/int8",
    "作者比较了 *剪枝* 与 *蒸馏* 在 NPU 上的实际收益，结论是稀疏度需要配合硬件。",
    "A walk-through of deploying a 4-bit LLM on a phone: memory layout, kernels and `llama.cpp` tricks.",
    "新发布的推理框架支持 RISC-V 向量扩展，实测 ResNet-50 延迟下降 **35%**。",
    "Survey of neural architecture search for microcontrollers, with a table of [results](https://example.com/nas).",
    "开源项目更新：新增 Winograd 卷积、FP16 存储与 Vulkan 后端。\n\n> 适合 Android 部署。",
    "How post-training quantization calibrates activations, and why per-channel scales matter.",
    "论文解读：二值网络在边缘设备上的训练技巧，附 PyTorch 复现。",
]


def make_sources_and_tags(n_sources: int = 200, n_tags: int = 500) -> tuple[list[Source], list[Tag]]:
    kinds = [k for k, _ in Source.Kind.choices]
    sources = Source.objects.bulk_create([
        Source(name=f"来源 {i:03d}", slug=f"source-{i:03d}", kind=kinds[i % len(kinds)],
               homepage=f"https://source{i}.example.com/")
        for i in range(n_sources)
    ])
    names = [HOT_TAG] + [f"topic-{i:03d}" for i in range(1, n_tags)]
    tags = Tag.objects.bulk_create([Tag(name=name, slug=name if i else "liang-hua") for i, name in enumerate(names)])
    return list(Source.objects.order_by("pk")), list(Tag.objects.order_by("pk"))


@transaction.atomic
def add_issues(start: int, count: int, sources: list[Source], tags: list[Tag], entries_per_issue: int = 25) -> None:
    """Add published issues number ``start`` to ``start + count - 1``, each with its entries and tags."""
    rng = random.Random(start)
    summaries = [(text, render_markdown(text)) for text in SUMMARIES]
    published = timezone.now() - datetime.timedelta(days=1)
    issues = []
    for n in range(start, start + count):
        headline = f"Issue {n}: INT4 LLMs/NPU compilers/**RISC-V** vectors"
        lead = f"本期导读（第 {n} 期）：量化、剪枝与部署的最新进展。"
        issues.append(Issue(
            date=FIRST_DATE + datetime.timedelta(days=3 * n),
            title=f"嵌入式AI简报 第 {n} 期",
            headline=headline, headline_html=render_inline(headline),
            lead=lead, lead_html=render_markdown(lead),
            status=Issue.Status.PUBLISHED, publish_at=published,
        ))
    issues = Issue.objects.bulk_create(issues, batch_size=1000)
    if issues[0].pk is None:  # backends that do not return keys
        issues = list(Issue.objects.filter(date__in=[i.date for i in issues]).order_by("date"))

    sections = [value for value, _ in Entry.Section.choices]
    drawn = []
    for issue in issues:
        for k in range(entries_per_issue):
            text, html = summaries[rng.randrange(len(summaries))]
            drawn.append((issue, k, text, html, sources[rng.randrange(len(sources))]))
    # Tags are drawn after everything else, in the order they always were, so the
    # archive is the same as before.
    entry_tags = []
    for i in range(len(drawn)):
        chosen = {tags[1 + rng.randrange(len(tags) - 1)] for _ in range(2)}
        if i % 5 == 0:
            chosen.add(tags[0])
        entry_tags.append(chosen)

    entries = []
    for (issue, k, text, html, source), chosen in zip(drawn, entry_tags):
        url = f"https://example.com/{issue.date:%Y%m%d}/{k}"
        title = f"{issue.date}: 条目 {k} — efficient inference item"
        entry = Entry(
            issue=issue, section=sections[k * len(sections) // entries_per_issue], position=k,
            title=title, url=url, url_normalized=normalize_url(url), source=source,
            links=[{"label": "代码", "url": f"https://github.com/example/repo{k}"}],
            summary=text, summary_html=html,
        )
        entries.append(entry)
    entries = Entry.objects.bulk_create(entries, batch_size=2000)
    if entries[0].pk is None:
        entries = list(Entry.objects.filter(issue__in=issues).order_by("pk"))

    links = [
        TaggedEntry(content_object=entry, tag=tag)
        for entry, chosen in zip(entries, entry_tags)
        for tag in chosen
    ]
    TaggedEntry.objects.bulk_create(links, batch_size=5000)
    # What Entry.save() and the tag signals would do; bulk_create bypasses both.
    Entry.objects.filter(issue__in=issues).store_search_text()
    Issue.objects.filter(pk__in=[issue.pk for issue in issues]).content_changed()


def add_long_entry(issue: Issue, length: int = 100_000, term: str = "zz") -> float:
    """Add to ``issue`` an entry whose summary is ``length`` characters of Chinese filler with ``term`` in the middle.

    Saved with ``Entry.save()``, as an editor's entry is: it renders the
    summary, writes the search text and marks the issue changed. Returns how
    long the save took, in seconds.
    """
    filler = "端侧推理需要同时兼顾延迟、功耗与内存占用，"
    text = filler * (length // len(filler) + 1)
    middle = length // 2
    summary = text[:middle] + term + text[middle + len(term):length]
    entry = Entry(
        issue=issue, section=Entry.Section.BLOGS, position=1000, title="一篇很长的条目",
        url="https://example.com/long-entry", source=Source.objects.order_by("pk").first(), summary=summary,
    )
    began = time.perf_counter()
    entry.save()
    return time.perf_counter() - began
