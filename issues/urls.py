from django.urls import path, re_path

from . import feeds, views

app_name = "issues"

urlpatterns = [
    path("", views.home, name="home"),
    path("issues/", views.archive, name="archive"),
    re_path(r"^issues/(?P<date>\d{4}-\d{2}-\d{2})/$", views.issue_detail, name="detail"),
    path("feed/", feeds.LatestIssuesFeed(), name="feed"),
    path("feed/atom/", feeds.LatestIssuesAtomFeed(), name="atom"),
]
