from django.urls import path

from . import views

app_name = "entries"

urlpatterns = [
    path("entries/<int:pk>/", views.entry_detail, name="detail"),
    path("tags/<str:slug>/", views.tag_detail, name="tag"),
    path("sources/<str:slug>/", views.source_detail, name="source"),
]
