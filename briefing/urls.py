from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

admin.site.site_header = _("Briefing editorial desk")
admin.site.site_title = _("Briefing")
admin.site.index_title = _("Issues, entries and sources")

urlpatterns = [
    path("admin/", admin.site.urls),
    path("markdownx/", include("markdownx.urls")),
    path("", include("entries.urls")),
    path("", include("issues.urls")),
]

if settings.BENCH:
    # The benchmark's yardstick: the cheapest response the whole stack can give.
    from briefing.bench_views import ping

    urlpatterns.insert(0, path("bench/ping/", ping, name="bench-ping"))
