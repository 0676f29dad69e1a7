"""Tags as editors type them: split on Chinese and Western commas and semicolons.

django-taggit reads and writes the tags field through these two functions
(``TAGGIT_TAGS_FROM_STRING`` and ``TAGGIT_STRING_FROM_TAGS`` in the settings),
so ``MNN，推理框架、端侧大模型`` is three tags wherever tags are typed. Spaces stay
inside a tag (``Edge AI``); a name holding a separator is written in double
quotes, as taggit does.
"""

from __future__ import annotations

from collections.abc import Iterable

#: What separates two tags: , ， 、 ; ； and a new line.
SEPARATORS = frozenset(",，、;；\n\r")


def parse_tags(text: str | None) -> list[str]:
    """The tag names in ``text``, in order of first appearance, each once (compared case-insensitively)."""
    names: list[str] = []
    seen: set[str] = set()
    part: list[str] = []
    quoted = False

    def close() -> None:
        name = " ".join("".join(part).split())
        part.clear()
        if name and name.lower() not in seen:
            seen.add(name.lower())
            names.append(name)

    for char in text or "":
        if char == '"':
            quoted = not quoted
        elif char in SEPARATORS and not quoted:
            close()
        else:
            part.append(char)
    close()
    return names


def edit_string_for_tags(tags: Iterable) -> str:
    """The tags field's text for ``tags`` (Tag objects or names): ``量化, NPU``."""
    names = sorted((getattr(tag, "name", tag) for tag in tags), key=str.lower)
    return ", ".join(f'"{name}"' if SEPARATORS & set(name) else name for name in names)
