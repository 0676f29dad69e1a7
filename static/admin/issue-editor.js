/* The editor's desk (the issue page) and the entry page:
   - entries as rows that open in place; reordering by drag and drop (SortableJS)
     and by keyboard, within and across sections;
   - new entries added into a section from a pasted link (the link intelligence fills what it knows);
   - live Markdown previews loaded when an entry is opened;
   - tag and source suggestions; the problems list of a failed save opening what it points at;
   - the action bar: Preview and the workflow steps warn about unsaved changes. */
(function () {
  "use strict";

  var TAG_SEPARATORS = /[,，、;；]/;

  function $(selector, root) { return (root || document).querySelector(selector); }
  function $all(selector, root) { return Array.prototype.slice.call((root || document).querySelectorAll(selector)); }

  function field(row, name) { return $("[name='" + row.dataset.prefix + "-" + name + "']", row); }

  function csrfToken() {
    var input = $("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function announce(text) {
    var live = $("#desk-announce");
    if (live) { live.textContent = ""; setTimeout(function () { live.textContent = text; }, 30); }
  }

  /* Rows ------------------------------------------------------------------ */

  /* A folded row carries its values in hidden inputs; opened, it gets the
     fields of the empty row (the template), filled with those values. */
  function unfold(row) {
    var body = $(".desk-row-body", row);
    var desk = row.closest(".entries-desk");
    var template = desk && $("#" + desk.dataset.prefix + "-empty");
    if (!body || !body.hasAttribute("data-folded") || !template) return;
    var index = row.dataset.prefix.slice(desk.dataset.prefix.length + 1);
    var source = template.content.querySelector(".desk-row-body");
    var values = {};
    $all("input[type=hidden]", body).forEach(function (input) { values[input.name] = input.value; });
    body.innerHTML = source.innerHTML.replace(/__prefix__/g, index);
    $all("[name]", body).forEach(function (input) {
      if (Object.prototype.hasOwnProperty.call(values, input.name)) input.value = values[input.name];
    });
    body.removeAttribute("data-folded");
    enhanceFields(row);
  }

  function openRow(row, open) {
    var body = $(".desk-row-body", row), toggle = $(".desk-toggle", row), tools = $(".desk-row-tools", row);
    if (!body || !toggle) return;
    var show = open === undefined ? body.hidden : open;
    if (show) unfold(row);
    body.hidden = !show;
    if (tools) tools.hidden = !show;
    toggle.setAttribute("aria-expanded", show ? "true" : "false");
    row.classList.toggle("is-open", show);
    if (show) $all(".lazy-markdown-editor", body).forEach(function (editor) { preview(editor, false); });
  }

  function refreshHead(row) {
    var title = field(row, "title"), source = field(row, "source"), tags = field(row, "tags");
    var label = $(".desk-title", row);
    if (title && label) label.textContent = title.value.trim() || label.dataset.empty || label.textContent;
    if (source) $(".desk-source", row).textContent = source.value;
    if (tags) $(".desk-tags", row).textContent = tags.value;
    var handle = $(".desk-handle", row);
    if (handle && title) handle.setAttribute("aria-label", (handle.dataset.moveLabel || "⠿") + " " + title.value);
  }

  /* Order ----------------------------------------------------------------- */

  function renumber() {
    $all(".desk-rows").forEach(function (list) {
      var position = 0;
      $all(":scope > .desk-row", list).forEach(function (row) {
        var section = field(row, "section"), pos = field(row, "position");
        if (section && section.value !== list.dataset.section) {
          section.value = list.dataset.section;
          markDirty();
        }
        if (pos && pos.value !== String(position)) {
          pos.value = String(position);
          markDirty();
        }
        position += 1;
      });
      var count = $(".desk-section-count", list.closest(".desk-section"));
      if (count) count.textContent = String(position);
    });
  }

  function sectionLists() { return $all(".desk-rows"); }

  function moveRow(row, step) {
    var list = row.parentElement, lists = sectionLists();
    var sibling = step < 0 ? row.previousElementSibling : row.nextElementSibling;
    if (sibling) {
      list.insertBefore(row, step < 0 ? sibling : sibling.nextElementSibling);
    } else {
      var next = lists[lists.indexOf(list) + step];
      if (!next) return;
      if (step < 0) next.appendChild(row); else next.insertBefore(row, next.firstElementChild);
      list = next;
    }
    renumber();
    var index = $all(":scope > .desk-row", row.parentElement).indexOf(row) + 1;
    announce(row.parentElement.dataset.label + " · " + index);
    $(".desk-handle", row).focus();
  }

  function moveToSection(row, value) {
    var list = $(".desk-rows[data-section='" + value + "']");
    if (list && row.parentElement !== list) {
      list.appendChild(row);
      renumber();
      row.scrollIntoView({ block: "nearest" });
    }
  }

  function makeSortable(desk) {
    if (!window.Sortable || !desk.dataset.canEdit) return;
    sectionLists().forEach(function (list) {
      window.Sortable.create(list, {
        group: "entries", handle: ".desk-handle", draggable: ".desk-row", animation: 120,
        onEnd: function () { renumber(); },
      });
    });
  }

  /* New entries ----------------------------------------------------------- */

  function addRow(desk, sectionValue, data) {
    var prefix = desk.dataset.prefix;
    var template = $("#" + prefix + "-empty");
    var total = $("#id_" + prefix + "-TOTAL_FORMS");
    if (!template || !total) return null;
    var index = parseInt(total.value, 10);
    var holder = document.createElement("div");
    holder.innerHTML = template.innerHTML.replace(/__prefix__/g, String(index));
    var row = holder.firstElementChild;
    total.value = String(index + 1);
    $(".desk-rows[data-section='" + sectionValue + "']").appendChild(row);
    var set = function (name, value) {
      var input = field(row, name);
      if (input && value) input.value = value;
    };
    set("section", String(sectionValue));
    Object.keys(data || {}).forEach(function (name) { set(name, data[name]); });
    enhanceRow(row);
    renumber();
    refreshHead(row);
    openRow(row, true);
    markDirty();
    return row;
  }

  function addFromLink(desk, button) {
    var section = button.dataset.section;
    var box = button.closest(".desk-add");
    var input = $(".desk-add-url", box), message = $(".desk-add-message", box);
    var url = input.value.trim();
    message.textContent = "";
    var done = function (data) {
      var row = addRow(desk, section, data);
      input.value = "";
      if (!row) return;
      if (data.used_before && data.used_before.length) {
        message.textContent = "⧉ " + data.used_before.map(function (u) { return u.issue + ": " + u.title; }).join("; ");
      }
      var title = field(row, "title");
      if (title) title.focus();
      row.scrollIntoView({ block: "center" });
    };
    if (!url) { done({}); return; }
    fetch(desk.dataset.analyzeUrl + "?" + new URLSearchParams({ url: url, section: section }), { credentials: "same-origin" })
      .then(function (response) { return response.json().then(function (data) { return { ok: response.ok, data: data }; }); })
      .then(function (result) {
        if (!result.ok) { message.textContent = result.data.error || ""; return; }
        done(result.data);
      });
  }

  /* Markdown previews ----------------------------------------------------- */

  function preview(editor, force) {
    if (editor.dataset.previewed && !force) return;
    editor.dataset.previewed = "1";
    var box = editor.parentElement && $(".markdownx-preview", editor.parentElement);
    if (!box || !editor.dataset.previewUrl) return;
    var body = new FormData();
    body.append("content", editor.value);
    fetch(editor.dataset.previewUrl, {
      method: "POST", body: body, credentials: "same-origin", headers: { "X-CSRFToken": csrfToken() },
    }).then(function (r) { return r.ok ? r.text() : ""; }).then(function (html) { box.innerHTML = html; });
  }

  /* Suggestions ----------------------------------------------------------- */

  function suggest(input, url, key, split) {
    if (!url || input.dataset.suggesting) return;
    input.dataset.suggesting = "1";
    var list = document.createElement("datalist");
    list.id = input.id + "-suggestions";
    input.after(list);
    input.setAttribute("list", list.id);
    input.setAttribute("autocomplete", "off");
    var timer = null;
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        var parts = split ? input.value.split(TAG_SEPARATORS) : [input.value];
        var term = parts.pop().trim();
        var head = parts.map(function (p) { return p.trim(); }).filter(Boolean);
        if (!term) { list.innerHTML = ""; return; }
        fetch(url + "?q=" + encodeURIComponent(term), { credentials: "same-origin" })
          .then(function (r) { return r.ok ? r.json() : {}; })
          .then(function (data) {
            list.innerHTML = "";
            (data[key] || []).forEach(function (name) {
              var option = document.createElement("option");
              option.value = head.concat([name]).join(", ");
              list.appendChild(option);
            });
          });
      }, 200);
    });
  }

  function enhanceFields(row) {
    var desk = row.closest(".entries-desk");
    var tags = field(row, "tags"), source = field(row, "source");
    var meta = $("meta[name='tag-suggest-url']");
    if (tags && tags.id && meta) suggest(tags, meta.content, "tags", true);
    if (source && source.id && desk) suggest(source, desk.dataset.sourceNamesUrl, "sources", false);
  }

  function enhanceRow(row) {
    enhanceFields(row);
    var handle = $(".desk-handle", row);
    if (handle) handle.dataset.moveLabel = handle.getAttribute("aria-label").replace(/“.*”/, "").trim();
    var label = $(".desk-title", row);
    if (label && !label.dataset.empty && row.classList.contains("is-new")) label.dataset.empty = label.textContent;
  }

  /* Unsaved changes ------------------------------------------------------- */

  var dirty = false;
  function markDirty() {
    dirty = true;
    $all(".preview-unsaved").forEach(function (note) { note.hidden = false; });
  }

  /* Wiring ---------------------------------------------------------------- */

  function openTarget(id) {
    var target = document.getElementById(id);
    if (!target) return;
    var row = target.closest(".desk-row");
    if (row) openRow(row, true);
    var details = target.closest("details");
    if (details) details.open = true;
    target.scrollIntoView({ block: "center" });
    if (typeof target.focus === "function") target.focus({ preventScroll: true });
  }

  function enhanceDesk(desk) {
    $all(".desk-row", desk).forEach(enhanceRow);
    makeSortable(desk);
    desk.addEventListener("click", function (event) {
      var toggle = event.target.closest(".desk-toggle");
      if (toggle) { openRow(toggle.closest(".desk-row")); return; }
      var add = event.target.closest(".desk-add-button");
      if (add) { event.preventDefault(); addFromLink(desk, add); }
    });
    desk.addEventListener("keydown", function (event) {
      var handle = event.target.closest(".desk-handle");
      if (handle && (event.key === "ArrowUp" || event.key === "ArrowDown")) {
        event.preventDefault();
        moveRow(handle.closest(".desk-row"), event.key === "ArrowUp" ? -1 : 1);
      }
      if (event.target.classList.contains("desk-add-url") && event.key === "Enter") {
        event.preventDefault();  // not the issue form's Save
        addFromLink(desk, $(".desk-add-button", event.target.closest(".desk-add")));
      }
    });
    desk.addEventListener("change", function (event) {
      var row = event.target.closest(".desk-row");
      if (!row) return;
      if (event.target.name === row.dataset.prefix + "-section") moveToSection(row, event.target.value);
      if (event.target.name === row.dataset.prefix + "-DELETE") row.classList.toggle("is-removed", event.target.checked);
    });
    var timers = {};
    desk.addEventListener("input", function (event) {
      var row = event.target.closest(".desk-row");
      if (row) refreshHead(row);
      if (event.target.classList.contains("lazy-markdown-editor")) {
        var editor = event.target;
        clearTimeout(timers[editor.name]);
        timers[editor.name] = setTimeout(function () { preview(editor, true); }, 500);
      }
    });
  }

  function enhance() {
    var desk = $(".entries-desk");
    if (desk) enhanceDesk(desk);
    var meta = $("meta[name='tag-suggest-url']");
    $all("input[name='tags'][type='text']").forEach(function (input) { suggest(input, meta && meta.content, "tags", true); });
    var form = $("#issue_form");
    if (form) {
      form.addEventListener("input", markDirty);
      form.addEventListener("change", markDirty);
      form.addEventListener("submit", function () { dirty = false; });
    }
    document.addEventListener("click", function (event) {
      var link = event.target.closest("a.problem-link");
      if (link) { event.preventDefault(); openTarget(link.dataset.target); history.replaceState(null, "", "#" + link.dataset.target); return; }
      var step = event.target.closest(".transition-button");
      if (step && dirty) {
        // A workflow step is a form of its own: it would leave these edits unsaved.
        event.preventDefault();
        var note = $(".preview-unsaved");
        if (note) { note.hidden = false; note.focus && note.focus(); }
        announce(note ? note.textContent : "");
        return;
      }
      // A step that takes the issue away from readers is asked for twice.
      if (step && step.dataset.confirm && !window.confirm(step.dataset.confirm)) event.preventDefault();
    });
    var problems = $("#save-problems");
    if (problems) problems.focus();
    if (location.hash.length > 1) openTarget(decodeURIComponent(location.hash.slice(1)));
  }

  document.addEventListener("DOMContentLoaded", enhance);
})();
