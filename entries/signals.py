"""What follows a change that does not go through ``Entry.save()``: one receiver per concern.

An entry's tags, or a source or tag it uses, show on the pages of its issue
and are part of what search matches. So when tags are added to or removed
from an entry, or a source or tag is edited or deleted, the issues of the
entries concerned are marked as changed (``IssueQuerySet.content_changed()``,
in the same transaction), and the entries' search text is written again.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete

from issues.models import Issue

from .models import Entry, Source, Tag, TaggedEntry

#: What taggit sends once tags were added to, removed from or cleared off an entry.
TAGS_WRITTEN = {"post_add", "post_remove", "post_clear"}


def _tagged_entries(instance, action: str, pk_set) -> QuerySet[Entry]:
    """The entries whose tags ``m2m_changed`` says changed (from either side of the relation)."""
    if isinstance(instance, Entry):
        return Entry.objects.filter(pk=instance.pk)
    if action == "post_clear":  # a tag cleared of its entries: they are gone from the relation already
        return Entry.objects.none()
    return Entry.objects.filter(pk__in=pk_set or ())


def _writes_tags(action: str, pk_set) -> bool:
    # taggit's set() sends post_add with nothing added on every form save.
    return action in TAGS_WRITTEN and (action == "post_clear" or bool(pk_set))


def mark_issues_changed_when_tags_change(sender, instance, action: str, pk_set=None, **kwargs) -> None:
    if _writes_tags(action, pk_set):
        Issue.objects.filter(entries__in=_tagged_entries(instance, action, pk_set)).content_changed()


def store_search_text_when_tags_change(sender, instance, action: str, pk_set=None, **kwargs) -> None:
    if _writes_tags(action, pk_set):
        _tagged_entries(instance, action, pk_set).store_search_text()


def _entries_of(instance: Source | Tag) -> QuerySet[Entry]:
    return Entry.objects.filter(source=instance) if isinstance(instance, Source) else Entry.objects.filter(tags=instance)


def _edited(instance: Source | Tag, created: bool, raw: bool) -> bool:
    return not created and not raw and bool(instance.changed_fields())


def mark_issues_changed_when_source_or_tag_is_edited(sender, instance: Source | Tag, created: bool, raw: bool = False, **kwargs) -> None:
    # A source's name, kind and homepage, a tag's name and slug: pages show them all.
    if _edited(instance, created, raw):
        Issue.objects.filter(entries__in=_entries_of(instance)).content_changed()


def store_search_text_when_source_or_tag_is_renamed(sender, instance: Source | Tag, created: bool, raw: bool = False, **kwargs) -> None:
    if _edited(instance, created, raw) and "name" in instance.changed_fields():
        _entries_of(instance).store_search_text()


def mark_issues_changed_when_tag_is_deleted(sender, instance: Tag, **kwargs) -> None:
    # Before the delete, while the tag still links its entries.
    instance.entries_before_delete = list(_entries_of(instance).values_list("pk", flat=True))
    Issue.objects.filter(entries__in=instance.entries_before_delete).content_changed()


def store_search_text_when_tag_is_deleted(sender, instance: Tag, **kwargs) -> None:
    Entry.objects.filter(pk__in=getattr(instance, "entries_before_delete", [])).store_search_text()


def mark_issue_changed_when_entry_is_deleted(sender, instance: Entry, **kwargs) -> None:
    Issue.objects.filter(pk=instance.issue_id).content_changed()


def connect_signals() -> None:
    """Connect the receivers (from ``EntriesConfig.ready()``)."""
    m2m_changed.connect(mark_issues_changed_when_tags_change, sender=TaggedEntry, dispatch_uid="entries.tags.issues")
    m2m_changed.connect(store_search_text_when_tags_change, sender=TaggedEntry, dispatch_uid="entries.tags.search")
    for model in (Source, Tag):
        post_save.connect(mark_issues_changed_when_source_or_tag_is_edited, sender=model, dispatch_uid=f"entries.edited.issues.{model.__name__}")
        post_save.connect(store_search_text_when_source_or_tag_is_renamed, sender=model, dispatch_uid=f"entries.renamed.search.{model.__name__}")
    pre_delete.connect(mark_issues_changed_when_tag_is_deleted, sender=Tag, dispatch_uid="entries.tag_deleted.issues")
    post_delete.connect(store_search_text_when_tag_is_deleted, sender=Tag, dispatch_uid="entries.tag_deleted.search")
    post_delete.connect(mark_issue_changed_when_entry_is_deleted, sender=Entry, dispatch_uid="entries.deleted.issues")
