from django.urls import path

from . import feeds, views

app_name = "entries"

urlpatterns = [
    path("entries/<int:pk>/", views.entry_detail, name="detail"),
    path("tags/", views.tag_list, name="tags"),
    path("tags/<str:slug>/", views.tag_detail, name="tag"),
    path("tags/<str:slug>/feed/", feeds.TagFeed(), name="tag_feed"),
    path("sources/", views.source_list, name="sources"),
    path("sources/<str:slug>/", views.source_detail, name="source"),
    path("sources/<str:slug>/feed/", feeds.SourceFeed(), name="source_feed"),
    path("search/", views.search, name="search"),
]
