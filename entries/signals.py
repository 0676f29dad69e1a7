"""Keeping what is derived from an entry in step: its search row (``EntrySearch``) and its cards.

``Entry.save()`` rebuilds both for the entry saved. What changes elsewhere is
followed here: tags added to or removed from an entry, a source or tag
renamed, a tag deleted. Those change the search rows and the cards
(entries/cards.py) of all their entries at once, so that the entries are
found under the new name and shown with it immediately. An issue whose title
(either edition) or date changed has its entries' cards rendered again: their
list cards name the issue and link to it.

Writes that bypass signals (``QuerySet.update()``, ``bulk_create()``,
``bulk_update()`` of what entries show) must call
:func:`entries.models.refresh_derived` (search rows and cards) themselves.
"""

from __future__ import annotations

from django.db import connection
from django.db.models import QuerySet
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save

from issues.models import Issue

from .models import Entry, Source, Tag, TaggedEntry, lock_issues, refresh_derived

#: What of an issue its entries' list cards show: its title (both editions) and, in its URL, its date.
ISSUE_SHOWN = ("title", "title_en", "date")


def _lock_issues_first(entries: QuerySet[Entry]) -> None:
    """Inside a transaction, lock the issues of ``entries`` before a row their derived rows depend on is written.

    A tag or source row written (renamed, deleted, or linked to an entry)
    stays locked until commit, and the derived rows that follow lock the
    entries' issues; an editor holding one of those issues while linking the
    same tag would wait for the tag while we wait for the issue. Issues
    first, as everywhere else (``lock_issues``). Outside a transaction the
    tag's row is committed at once and nothing is held.
    """
    if connection.in_atomic_block:
        lock_issues(entries.values("issue_id"))


def _tags_changed(sender, instance, action: str, pk_set=None, **kwargs) -> None:
    # taggit sends these for entry.tags.add/remove/set/clear, as Django does for M2M fields.
    if action in ("pre_add", "pre_remove", "pre_clear"):
        if isinstance(instance, Entry) and (pk_set or action == "pre_clear"):
            _lock_issues_first(Entry.objects.filter(pk=instance.pk))
        return
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    # taggit's set() sends post_add with nothing added on every form save; the
    # entry's own save() has just done the work.
    if action != "post_clear" and not pk_set:
        return
    if isinstance(instance, Entry):
        refresh_derived(Entry.objects.filter(pk=instance.pk))
    elif isinstance(instance, Tag) and pk_set:
        refresh_derived(Entry.objects.filter(pk__in=pk_set))


def _remember_old_names(sender, instance, raw: bool = False, **kwargs) -> None:
    # Only a changed name (or slug, which cards link to) changes anything: a
    # tag such as 量化 has thousands of entries, not to be redone on every save.
    instance._derived_old = (
        sender.objects.filter(pk=instance.pk).values_list("name", "slug").first()
        if instance.pk and not raw else None
    )
    if instance._derived_old not in (None, (instance.name, instance.slug)):
        _lock_issues_first(_entries_of(sender, instance))


def _renamed(sender, instance, created: bool, raw: bool = False, **kwargs) -> None:
    old = getattr(instance, "_derived_old", None)
    if created or raw or old is None or old == (instance.name, instance.slug):
        return
    # A new slug alone changes links on the cards, not what search finds.
    refresh_derived(_entries_of(sender, instance), search_text=old[0] != instance.name)


def _entries_of(sender, instance: Source | Tag) -> QuerySet[Entry]:
    return Entry.objects.filter(source=instance) if sender is Source else Entry.objects.filter(tags=instance)


def _tag_deleting(sender, instance: Tag, **kwargs) -> None:
    _lock_issues_first(_entries_of(Tag, instance))
    instance._derived_entry_pks = set(
        TaggedEntry.objects.filter(tag=instance).values_list("content_object_id", flat=True)
    )


def _tag_deleted(sender, instance: Tag, **kwargs) -> None:
    # The tag's links are deleted (by cascade) before the tag itself, without m2m_changed.
    refresh_derived(Entry.objects.filter(pk__in=getattr(instance, "_derived_entry_pks", set())))


def _remember_issue(sender, instance: Issue, raw: bool = False, update_fields=None, **kwargs) -> None:
    # A save that cannot change what the cards show (a workflow step saving
    # its status fields) costs no query.
    shown = not raw and instance.pk and (update_fields is None or set(update_fields) & set(ISSUE_SHOWN))
    loaded = getattr(instance, "_loaded_values", {})
    if not shown:
        instance._cards_old = None
    elif all(name in loaded for name in ISSUE_SHOWN):
        # Read from the database by this very instance: no query (Issue.from_db).
        instance._cards_old = tuple(loaded[name] for name in ISSUE_SHOWN)
    else:
        instance._cards_old = Issue.objects.filter(pk=instance.pk).values_list(*ISSUE_SHOWN).first()


def _issue_saved(sender, instance: Issue, created: bool, raw: bool = False, **kwargs) -> None:
    old = getattr(instance, "_cards_old", None)
    now_shown = tuple(getattr(instance, name) for name in ISSUE_SHOWN)
    if hasattr(instance, "_loaded_values"):
        instance._loaded_values.update(zip(ISSUE_SHOWN, now_shown))
    if created or raw or old is None or old == now_shown:
        return
    refresh_derived(Entry.objects.filter(issue=instance), search_text=False)


def connect_signals() -> None:
    """Connect the receivers that keep search rows and cards current (from ``EntriesConfig.ready()``)."""
    m2m_changed.connect(_tags_changed, sender=TaggedEntry, dispatch_uid="entries.derived.tags_changed")
    for model in (Source, Tag):
        name = model.__name__
        pre_save.connect(_remember_old_names, sender=model, dispatch_uid=f"entries.derived.old_names.{name}")
        post_save.connect(_renamed, sender=model, dispatch_uid=f"entries.derived.renamed.{name}")
    pre_delete.connect(_tag_deleting, sender=Tag, dispatch_uid="entries.derived.tag_deleting")
    post_delete.connect(_tag_deleted, sender=Tag, dispatch_uid="entries.derived.tag_deleted")
    pre_save.connect(_remember_issue, sender=Issue, dispatch_uid="entries.derived.issue_old")
    post_save.connect(_issue_saved, sender=Issue, dispatch_uid="entries.derived.issue_saved")
