"""Telling what a save changes, without reading the row again."""

from __future__ import annotations


class ChangeTrackingMixin:
    """Remembers a model instance's values as read from the database or last saved.

    ``save()`` can then tell what it changes, so that saving something
    unchanged changes nothing readers see (``Issue.content_changed_at``).
    """

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance.saved_values = dict(zip(field_names, values))
        return instance

    def changed_fields(self) -> set[str]:
        """The attribute names whose values differ from those read or last saved; every one for a new object.

        Fields that were not read (deferred) count as unchanged.
        """
        saved = getattr(self, "saved_values", None)
        if saved is None:
            return {field.attname for field in self._meta.concrete_fields}
        return {name for name, value in saved.items() if name in self.__dict__ and self.__dict__[name] != value}

    def remember_saved_values(self) -> None:
        """Take the values as they are now as the stored ones: call after a save."""
        self.saved_values = {
            field.attname: self.__dict__[field.attname]
            for field in self._meta.concrete_fields if field.attname in self.__dict__
        }
