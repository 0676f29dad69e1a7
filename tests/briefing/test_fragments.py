"""Fragments in Django's cache (briefing/fragments.py)."""

from briefing.fragments import cached_fragments


def test_a_fragments_lifetime_is_settled_before_it_is_rendered():
    # A scheduled issue that goes public while links are rendered must still end them.
    calls = []

    def render(missing):
        calls.append("render")
        return {item: f"<p>{item}</p>" for item in missing}

    def lifetime():
        calls.append("lifetime")
        return 60

    assert cached_fragments({"a": "test-fragment-a"}, render, lifetime) == {"a": "<p>a</p>"}
    assert calls == ["lifetime", "render"]
    # Found in the cache the second time: neither asked again.
    assert cached_fragments({"a": "test-fragment-a"}, render, lifetime) == {"a": "<p>a</p>"}
    assert calls == ["lifetime", "render"]
