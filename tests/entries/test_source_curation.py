"""Curating sources: merging near-duplicates with a preview, aliases that keep working, the report of odd names."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from entries.models import Entry, Source, SourceAlias, suspicious_sources
from issues.models import Issue
from tests.corpus import corpus_dir, requires_corpus
from tests.factories import EntryFactory, SourceFactory, contributor, editor

pytestmark = pytest.mark.django_db


def merge_post(client, sources, **extra):
    return client.post("/admin/entries/source/", {
        "action": "merge_sources", "_selected_action": [s.pk for s in sources], **extra,
    })


def test_merging_shows_a_preview_then_moves_entries_and_keeps_names_as_aliases(client):
    kept = SourceFactory(name="黎明灰烬博客")
    other = SourceFactory(name="黎明灰烬 博客")
    entries = [EntryFactory(source=kept), EntryFactory(source=kept), EntryFactory(source=other)]
    changed_at = Issue.objects.get(pk=entries[2].issue_id).content_changed_at
    client.force_login(editor())

    preview = merge_post(client, [kept, other]).content.decode()
    assert "黎明灰烬博客" in preview and "黎明灰烬 博客" in preview
    assert Source.objects.count() == 2  # nothing merged yet

    merge_post(client, [kept, other], confirm="yes", target=kept.pk)
    assert list(Source.objects.values_list("name", flat=True)) == ["黎明灰烬博客"]
    assert Entry.objects.filter(source=kept).count() == 3
    assert list(kept.aliases.values_list("name", flat=True)) == ["黎明灰烬 博客"]
    entry = Entry.objects.get(pk=entries[2].pk)
    assert "黎明灰烬博客" in entry.search_text
    assert Issue.objects.get(pk=entry.issue_id).content_changed_at > changed_at


def test_contributors_may_not_merge_sources(client):
    a, b = SourceFactory(name="zhihu"), SourceFactory(name="知乎")
    user = contributor()
    from django.contrib.auth.models import Permission

    user.user_permissions.add(Permission.objects.get(codename="change_source"))
    client.force_login(user)
    response = merge_post(client, [a, b], confirm="yes", target=b.pk)
    assert response.status_code == 403
    assert Source.objects.count() == 2


def test_an_alias_leads_imports_and_link_recognition_to_the_kept_source(tmp_path):
    kept = SourceFactory(name="知乎")
    SourceAlias.objects.create(source=kept, name="zhihu")
    path = tmp_path / "a.md"
    path.write_text("# 嵌入式AI简报 (2024-06-01)\n\n## 博文\n\n- [一篇文章 | zhihu](https://zhuanlan.zhihu.com/p/1)\n", encoding="utf-8")
    call_command("import_briefings", str(path), "--no-progress", stdout=io.StringIO(), stderr=io.StringIO())
    assert Entry.objects.get().source == kept
    assert Source.objects.count() == 1
    wechat = SourceFactory(name="某公众号")
    SourceAlias.objects.create(source=wechat, name="某公众号旧名")
    entry = EntryFactory(title="文章 | 某公众号旧名", url="https://mp.weixin.qq.com/s/abc", source=None)
    assert (entry.title, entry.source) == ("文章", wechat)


def test_the_report_names_sentences_author_lists_and_near_duplicates():
    names = ["张三、李四、王五", "这是一个很长的句子而不是一个来源的名字吧", "黎明灰烬 博客", "黎明灰烬博客", "机器之心", "孟让 知乎", "知乎"]
    sources = [SourceFactory(name=name) for name in names]
    report = suspicious_sources(Source.objects.all())
    flagged = {source.name for source in sources if source.pk in report}
    assert flagged == {"张三、李四、王五", "这是一个很长的句子而不是一个来源的名字吧", "黎明灰烬 博客", "黎明灰烬博客", "孟让 知乎"}


@requires_corpus
def test_the_report_on_the_corpus_finds_its_odd_sources(client):
    call_command("import_briefings", str(corpus_dir()), "--no-progress", stdout=io.StringIO(), stderr=io.StringIO())
    report = suspicious_sources(Source.objects.all())
    flagged = set(Source.objects.filter(pk__in=report).values_list("name", flat=True))
    # Author lists and near-duplicates that real files contain, found from the names alone.
    assert any("、" in name for name in flagged)
    assert any(other for other in flagged if other.replace(" ", "") in flagged and other != other.replace(" ", ""))
    assert len(flagged) < Source.objects.count() // 4
    client.force_login(editor())
    page = client.get("/admin/entries/source/?suspicious=yes").content.decode()
    assert all(name in page for name in list(flagged)[:5])


def test_a_merged_name_typed_in_the_entry_form_leads_to_the_kept_source(client):
    from tests.issues.conftest import form_data, login

    kept = SourceFactory(name="知乎")
    SourceAlias.objects.create(source=kept, name="zhihu")
    entry = EntryFactory(source=SourceFactory(name="别的来源"))
    browser = login(editor())
    url = f"/admin/entries/entry/{entry.pk}/change/"
    data = form_data(browser.get(url))
    data["source"] = "ZhiHu"
    assert browser.post(url, data).status_code == 302
    entry.refresh_from_db()
    assert entry.source == kept
    assert not Source.objects.filter(name__iexact="zhihu").exists()
