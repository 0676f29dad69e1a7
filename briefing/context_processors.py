from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import get_language


def site_name(language: str | None = None) -> str:
    """The site's name in ``language`` (the active one by default): ``SITE_NAMES``, per language, in the settings."""
    language = (language or get_language() or settings.LANGUAGE_CODE).lower()
    names = {code.lower(): name for code, name in settings.SITE_NAMES.items()}
    return names.get(language) or names.get(language.split("-")[0]) or names[settings.LANGUAGE_CODE.lower()]


def site(request: HttpRequest | None) -> dict:
    """Site-wide values every template may need."""
    from briefing.templatetags.edition import text_language

    name = site_name()
    lang = text_language(name)
    same = lang.lower() == (get_language() or "").lower()
    return {"SITE_NAME": name, "SITE_NAME_LANG": "" if same else lang, "SITE_URL": settings.SITE_URL}
