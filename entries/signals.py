"""Keeping ``Entry.search_text`` in step with what it is made of.

``Entry.save()`` rebuilds an entry's own search text. What changes elsewhere
is followed here: tags added to or removed from an entry, and a source or tag
renamed or a tag deleted, which changes the search text of all their
entries at once, so that they are found under the new name immediately.

Writes that bypass signals (``QuerySet.update()``, ``bulk_create()``,
``bulk_update()`` of searched fields) must call
:func:`entries.models.refresh_search_text` themselves.
"""

from __future__ import annotations

from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save

from .models import Entry, Source, Tag, TaggedEntry, refresh_search_text


def _tags_changed(sender, instance, action: str, **kwargs) -> None:
    # taggit sends these for entry.tags.add/remove/set/clear, as Django does for M2M fields.
    if action in ("post_add", "post_remove", "post_clear") and isinstance(instance, Entry):
        refresh_search_text(Entry.objects.filter(pk=instance.pk))


def _remember_old_name(sender, instance, **kwargs) -> None:
    # Only a changed name changes search text: a tag such as 量化 has
    # thousands of entries, not to be rewritten on every save of the tag.
    instance._search_old_name = (
        sender.objects.filter(pk=instance.pk).values_list("name", flat=True).first() if instance.pk else None
    )


def _source_saved(sender, instance: Source, created: bool, **kwargs) -> None:
    if not created and instance.name != getattr(instance, "_search_old_name", None):
        refresh_search_text(Entry.objects.filter(source=instance))


def _tag_saved(sender, instance: Tag, created: bool, **kwargs) -> None:
    if not created and instance.name != getattr(instance, "_search_old_name", None):
        refresh_search_text(Entry.objects.filter(tags=instance))


def _tag_deleting(sender, instance: Tag, **kwargs) -> None:
    instance._search_entry_pks = set(
        TaggedEntry.objects.filter(tag=instance).values_list("content_object_id", flat=True)
    )


def _tag_deleted(sender, instance: Tag, **kwargs) -> None:
    # The tag's links are deleted (by cascade) before the tag itself.
    refresh_search_text(Entry.objects.filter(pk__in=getattr(instance, "_search_entry_pks", set())))


def connect_signals() -> None:
    """Connect the receivers that keep search text current (called from ``EntriesConfig.ready()``)."""
    m2m_changed.connect(_tags_changed, sender=TaggedEntry, dispatch_uid="entries.search.tags_changed")
    for model in (Source, Tag):
        pre_save.connect(_remember_old_name, sender=model, dispatch_uid=f"entries.search.old_name.{model.__name__}")
    post_save.connect(_source_saved, sender=Source, dispatch_uid="entries.search.source_saved")
    post_save.connect(_tag_saved, sender=Tag, dispatch_uid="entries.search.tag_saved")
    pre_delete.connect(_tag_deleting, sender=Tag, dispatch_uid="entries.search.tag_deleting")
    post_delete.connect(_tag_deleted, sender=Tag, dispatch_uid="entries.search.tag_deleted")
