/* Image uploads are off: a file dropped or pasted into a Markdown field is
   refused here, before django-markdownx would send it, with a note saying
   to link to an image on the web instead (the note's text comes from the
   page, in the admin's language). Text dropped or pasted goes in as usual. */
(function () {
  "use strict";

  function hasFiles(transfer) {
    return Boolean(transfer && transfer.files && transfer.files.length);
  }

  function showNote(editor) {
    var note = editor.parentNode.querySelector(".upload-refused");
    if (!note) {
      var meta = document.querySelector("meta[name='upload-refused']");
      note = document.createElement("p");
      note.className = "upload-refused errornote";
      note.setAttribute("role", "alert");
      note.textContent = meta ? meta.content : "";
      editor.insertAdjacentElement("afterend", note);
    }
    editor.focus();
  }

  function refuseFiles(event, transfer) {
    var target = event.target;
    var editor = target && target.closest ? target.closest(".markdownx-editor") : null;
    if (!editor || !hasFiles(transfer)) return;
    // Capturing on the document runs before django-markdownx's own handlers on the field.
    event.preventDefault();
    event.stopPropagation();
    showNote(editor);
  }

  document.addEventListener("drop", function (event) { refuseFiles(event, event.dataTransfer); }, true);
  document.addEventListener("paste", function (event) { refuseFiles(event, event.clipboardData); }, true);
}());
