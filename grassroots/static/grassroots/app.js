// Small client-only behaviour: toasts fade, row selection for bulk actions, keyboard "/" to search.
(function () {
  function fadeToasts(root) {
    (root || document).querySelectorAll(".toast").forEach(function (t) {
      if (t.dataset.timer) return;
      t.dataset.timer = "1";
      setTimeout(function () { t.remove(); }, 6000);
    });
  }
  function syncSelection() {
    var boxes = document.querySelectorAll("input[name=pick]");
    var ids = [];
    boxes.forEach(function (b) { if (b.checked) ids.push(b.value); });
    var field = document.getElementById("bulk-ids");
    var count = document.getElementById("bulk-count");
    if (field) field.value = ids.join(",");
    if (count) count.textContent = ids.length;
  }
  document.addEventListener("change", function (e) {
    if (e.target.matches("input[name=pick]")) syncSelection();
    if (e.target.id === "pick-all") {
      document.querySelectorAll("input[name=pick]").forEach(function (b) { b.checked = e.target.checked; });
      syncSelection();
    }
  });
  document.addEventListener("keydown", function (e) {
    if (e.key === "/" && !/INPUT|TEXTAREA|SELECT/.test(document.activeElement.tagName)) {
      var box = document.querySelector("input.searchbox");
      if (box) { e.preventDefault(); box.focus(); }
    }
  });
  document.addEventListener("DOMContentLoaded", function () { fadeToasts(); syncSelection(); });
  document.addEventListener("htmx:afterSwap", function () { fadeToasts(); syncSelection(); });
})();
