/* The issue editor: entries grouped under their section's heading, and tag
   suggestions while typing in a comma-separated tags field. */
(function () {
  "use strict";

  function sectionLabel(inline) {
    var select = inline.querySelector("select[name$='-section']");
    return select ? select.options[select.selectedIndex].text : "";
  }

  function groupBySection() {
    var group = document.querySelector(".entries-inline");
    if (!group) return;
    group.querySelectorAll(".section-heading").forEach(function (h) { h.remove(); });
    var previous = null;
    group.querySelectorAll(".inline-related:not(.empty-form)").forEach(function (inline) {
      var label = sectionLabel(inline);
      if (label && label !== previous) {
        var heading = document.createElement("h3");
        heading.className = "section-heading";
        heading.textContent = label;
        inline.parentNode.insertBefore(heading, inline);
        previous = label;
      }
    });
  }

  function suggestTags(input) {
    var meta = document.querySelector("meta[name='tag-suggest-url']");
    var url = meta && meta.content;
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
        var parts = input.value.split(/[,，]/);
        var term = parts.pop().trim();
        var head = parts.map(function (p) { return p.trim(); }).filter(Boolean);
        if (!term) { list.innerHTML = ""; return; }
        fetch(url + "?q=" + encodeURIComponent(term), { credentials: "same-origin" })
          .then(function (r) { return r.ok ? r.json() : { tags: [] }; })
          .then(function (data) {
            list.innerHTML = "";
            data.tags.forEach(function (name) {
              var option = document.createElement("option");
              option.value = head.concat([name]).join(", ");
              list.appendChild(option);
            });
          });
      }, 200);
    });
  }

  function enhance() {
    groupBySection();
    document.querySelectorAll("input[name$='tags'][type='text']").forEach(suggestTags);
  }

  document.addEventListener("DOMContentLoaded", enhance);
  document.addEventListener("change", function (event) {
    if (event.target.matches && event.target.matches("select[name$='-section']")) groupBySection();
  });
  document.addEventListener("formset:added", enhance);
})();
