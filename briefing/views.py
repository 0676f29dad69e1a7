"""Views of the project itself: the Markdown editor's live preview."""

from __future__ import annotations

from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.utils import translation
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .limits import MARKDOWN_MAX_LENGTH
from .markdown import render_markdown, validate_markdown


@require_POST
@staff_member_required
def markdown_preview(request: HttpRequest) -> HttpResponse:
    """django-markdownx's live preview: ``content`` rendered as it will be saved, for signed-in staff.

    Text over the Markdown fields' limit is refused (400) without rendering;
    django-markdownx shows whatever comes back in the preview pane, so the
    editor reads why. Text nested too deep is shown as it will be saved (as
    plain text) under the same warning the form gives.
    """
    content = request.POST.get("content", "")
    # The editor's language, as in the admin (this address has no language prefix).
    with translation.override(translation.get_language_from_request(request)):
        if len(content) > MARKDOWN_MAX_LENGTH:
            return HttpResponseBadRequest(format_html(
                '<p class="errornote">{}</p>',
                _("This text is too long to preview or save: it has %(length)d characters, at most %(limit)d.")
                % {"length": len(content), "limit": MARKDOWN_MAX_LENGTH},
            ))
        html = render_markdown(content)
        try:
            validate_markdown(content)
        except ValidationError as error:
            html = format_html('<p class="errornote">{}</p>', error.messages[0]) + html
    return HttpResponse(html)
