from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from issues.preview import issue_preview

admin.site.site_header = _("Briefing editorial desk")
admin.site.site_title = _("Briefing")
admin.site.index_title = _("Issues, entries and sources")

urlpatterns = [
    path("admin/", admin.site.urls),
    path("markdownx/", include("markdownx.urls")),
    path("preview/<str:token>/", issue_preview, name="issue_preview"),
    path("", include("entries.urls")),
    path("", include("issues.urls")),
]
