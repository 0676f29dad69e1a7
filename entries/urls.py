from django.urls import path, register_converter

from . import feeds, views


class SlugConverter:
    """A tag's or source's slug: letters of any script, digits, "-" and "_" (what their slugs are made of).

    Anything else (a NUL byte, which PostgreSQL refuses in a query) is no
    such page, a 404, before any query is made.
    """

    regex = r"[-\w]+"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(SlugConverter, "anyslug")

app_name = "entries"

urlpatterns = [
    path("entries/<int:pk>/", views.entry_detail, name="detail"),
    path("tags/", views.tag_list, name="tags"),
    path("tags/<anyslug:slug>/", views.tag_detail, name="tag"),
    path("tags/<anyslug:slug>/feed/", feeds.TagFeed(), name="tag_feed"),
    path("sources/", views.source_list, name="sources"),
    path("sources/<anyslug:slug>/", views.source_detail, name="source"),
    path("sources/<anyslug:slug>/feed/", feeds.SourceFeed(), name="source_feed"),
    path("search/", views.search, name="search"),
]
