from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView
from django.utils.translation import gettext_lazy as _

from issues.sitemaps import SITEMAPS
from issues.views import robots_txt
from issues.preview import issue_preview

from briefing.views import markdown_preview



class FaviconRedirect(RedirectView):
    permanent = True

    def get_redirect_url(self, *args, **kwargs) -> str:
        # Resolved per request: the hashed static name exists only after collectstatic.
        return static("img/favicon.svg")


admin.site.site_header = _("Briefing editorial desk")
admin.site.site_title = _("Briefing")
admin.site.index_title = _("Issues, entries and sources")

# Outside the language prefix: the admin, the editor's preview, and the files
# crawlers expect at fixed addresses.
urlpatterns = [
    path("admin/", admin.site.urls),
    # The editor's live preview: for signed-in staff only, never an open
    # Markdown renderer for the world. django-markdownx's image upload is not
    # routed: entries link to images on the web, and the editor says so when
    # a file is dropped (static/admin/markdown-editor.js).
    path("markdownx/markdownify/", markdown_preview, name="markdownx_markdownify"),
    path("robots.txt", robots_txt, name="robots_txt"),
    # Browsers ask for /favicon.ico on every page, the admin's included.
    path("favicon.ico", FaviconRedirect.as_view()),
    path("sitemap.xml", sitemap, {"sitemaps": SITEMAPS}, name="sitemap"),
    path("preview/<str:token>/", issue_preview, name="issue_preview"),
]

# The public site: Chinese at /, the English interface under /en/.
urlpatterns += i18n_patterns(
    path("", include("entries.urls")),
    path("", include("issues.urls")),
    path("", include("newsletter.urls")),
    prefix_default_language=False,
)

if settings.BENCH:
    # The benchmark's yardstick: the cheapest response the whole stack can give.
    from briefing.bench_views import ping

    urlpatterns.insert(0, path("bench/ping/", ping, name="bench-ping"))
