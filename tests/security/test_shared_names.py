"""Sources and tags on public pages: renaming, editing or deleting them is an editor's right (issue 21, finding 6)."""

import pytest

from entries.models import Source, Tag
from tests.factories import EntryFactory, IssueFactory, SourceFactory, contributor, editor, published_issue
from tests.issues.conftest import login

pytestmark = pytest.mark.django_db


@pytest.fixture
def shared():
    public = published_issue(entries=0)
    source = SourceFactory(name="机器之心", homepage="https://www.jiqizhixin.com/")
    EntryFactory(issue=public, source=source, tags=["量化"])
    draft_only = SourceFactory(name="草稿里的来源")
    EntryFactory(issue=IssueFactory(), source=draft_only, tags=["草稿标签"])
    return {"source": source, "tag": Tag.objects.get(name="量化"), "draft_source": draft_only,
            "draft_tag": Tag.objects.get(name="草稿标签")}


def source_form(source, **changes):
    return {"name": source.name, "slug": source.slug, "kind": source.kind, "homepage": source.homepage, **changes}


def test_a_contributor_cannot_rename_a_source_readers_see_nor_point_its_homepage_elsewhere(shared):
    source = shared["source"]
    client = login(contributor())
    url = f"/admin/entries/source/{source.pk}/change/"
    assert b'name="_save"' not in client.get(url).content  # read-only
    for changes in ({"name": "Renamed"}, {"homepage": "https://evil.example/"}):
        assert client.post(url, source_form(source, **changes)).status_code == 403
    source.refresh_from_db()
    assert (source.name, source.homepage) == ("机器之心", "https://www.jiqizhixin.com/")


def test_a_contributor_cannot_rename_or_delete_a_tag_readers_see(shared):
    tag = shared["tag"]
    client = login(contributor())
    assert client.post(f"/admin/entries/tag/{tag.pk}/change/", {"name": "改名", "slug": tag.slug}).status_code == 403
    assert client.post(f"/admin/entries/tag/{tag.pk}/delete/", {"post": "yes"}).status_code == 403
    assert Tag.objects.get(pk=tag.pk).name == "量化"


def test_a_contributor_may_still_fix_a_source_or_tag_only_drafts_use(shared):
    client = login(contributor())
    source, tag = shared["draft_source"], shared["draft_tag"]
    response = client.post(f"/admin/entries/source/{source.pk}/change/", source_form(source, name="草稿来源（改）"))
    assert response.status_code == 302
    assert client.post(f"/admin/entries/tag/{tag.pk}/change/", {"name": "草稿标签2", "slug": tag.slug}).status_code == 302
    assert Source.objects.get(pk=source.pk).name == "草稿来源（改）" and Tag.objects.get(pk=tag.pk).name == "草稿标签2"


def test_an_editor_renames_a_source_readers_see(shared):
    source = shared["source"]
    response = login(editor()).post(f"/admin/entries/source/{source.pk}/change/", source_form(source, name="机器之心 Pro"))
    assert response.status_code == 302
    assert Source.objects.get(pk=source.pk).name == "机器之心 Pro"
