from django.conf import settings
from django.http import HttpRequest


def site(request: HttpRequest) -> dict:
    """Site-wide values every template may need."""
    return {"SITE_NAME": "嵌入式AI简报", "SITE_URL": settings.SITE_URL}
