"""Image uploads in the Markdown editor are off (the hostile-input probe, finding 16).

The briefing links to images on the web; files that staff drop into a
summary were stored unchecked (an SVG with a script among them) and never
served. So no file is taken: the address answers 404, and the editor says
so where the file was dropped or pasted.
"""

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.browser_support import needs_chromium, watch_for_problems
from tests.factories import IssueFactory, contributor

SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>'


@pytest.mark.django_db
@pytest.mark.parametrize("name, content, kind", [
    ("x.svg", SVG, "image/svg+xml"), ("chart.png", b"\x89PNG\r\n\x1a\n" + b"0" * 64, "image/png"),
], ids=["svg-with-script", "png"])
def test_no_file_is_taken_from_staff(client, name, content, kind):
    client.force_login(contributor())
    response = client.post("/markdownx/upload/", {"image": SimpleUploadedFile(name, content, content_type=kind)},
                           HTTP_X_REQUESTED_WITH="XMLHttpRequest")
    assert response.status_code == 404
    media = settings.MEDIA_ROOT
    assert not (media / "markdownx").exists() or not any((media / "markdownx").iterdir())


DROP_A_FILE = """(selector) => {
  const area = document.querySelector(selector);
  const files = new DataTransfer();
  files.items.add(new File([new Uint8Array([137, 80, 78, 71])], "chart.png", {type: "image/png"}));
  area.dispatchEvent(new DragEvent("drop", {dataTransfer: files, bubbles: true, cancelable: true}));
}"""

PASTE_A_FILE = """(selector) => {
  const area = document.querySelector(selector);
  const files = new DataTransfer();
  files.items.add(new File([new Uint8Array([137, 80, 78, 71])], "chart.png", {type: "image/png"}));
  area.dispatchEvent(new ClipboardEvent("paste", {clipboardData: files, bubbles: true, cancelable: true}));
}"""


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@needs_chromium
@pytest.mark.parametrize("gesture", [DROP_A_FILE, PASTE_A_FILE], ids=["drop", "paste"])
def test_the_editor_says_images_cannot_be_uploaded_when_a_file_is_dropped_or_pasted(browser, live_server, gesture):
    from tests.issues.test_admin_browser import signed_in_page

    writer = contributor()
    issue = IssueFactory(created_by=writer, lead="Before the drop.")
    page = signed_in_page(browser, live_server, writer, locale="en-US")
    problems = watch_for_problems(page)
    uploads = []
    page.on("request", lambda request: "/markdownx/upload/" in request.url and uploads.append(request.url))
    page.goto(f"{live_server.url}/admin/issues/issue/{issue.pk}/change/")
    page.evaluate(gesture, "textarea[name=lead]")
    note = page.locator(".upload-refused")
    note.wait_for(timeout=5000)
    assert "Images cannot be uploaded" in note.inner_text()
    assert "https://" in note.inner_text()
    assert page.input_value("textarea[name=lead]") == "Before the drop."
    page.wait_for_timeout(300)
    assert uploads == [] and problems == []
