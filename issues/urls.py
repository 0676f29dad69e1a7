from django.urls import path

from . import views

app_name = "issues"

urlpatterns = [
    path("", views.home, name="home"),
    path("issues/", views.archive, name="archive"),
    path("issues/<str:date>/", views.issue_detail, name="detail"),
]
