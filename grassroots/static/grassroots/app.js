// Small client-only behaviour: messages (toasts) in one live region, announcements after HTMX
// swaps, focus after an HTMX update, selects that act only on an explicit choice, row selection
// for bulk actions, keyboard "/" to search. See docs/guide/accessibility.md.
(function () {
  // --- Messages: one polite status region (#toasts) that stays in the page; a message stays
  // until it is dismissed (× or Escape) or newer messages arrive — it never vanishes on a timer.
  var MAX_TOASTS = 3;
  function toastRegion() { return document.getElementById("toasts"); }
  function trimToasts() {
    var region = toastRegion();
    if (!region) return;
    var all = region.querySelectorAll(".toast");
    for (var i = 0; i < all.length - MAX_TOASTS; i++) all[i].remove();
  }
  // Messages rendered with the page are put into the region after it exists, so screen readers
  // announce them (content present at load is not announced).
  function announcePageToasts() {
    var region = toastRegion(), queue = document.getElementById("toast-queue");
    if (!region || !queue) return;
    var items = Array.prototype.slice.call(queue.content ? queue.content.children : queue.children);
    queue.remove();
    if (!items.length) return;
    setTimeout(function () {
      items.forEach(function (t) { region.appendChild(t); });
      trimToasts();
    }, 120);
  }
  document.addEventListener("click", function (e) {
    var btn = e.target.closest && e.target.closest(".toast [data-dismiss]");
    if (btn) btn.closest(".toast").remove();
  });
  document.addEventListener("keydown", function (e) {
    if (e.key === "Escape" && e.target.closest && e.target.closest(".toast")) {
      e.target.closest(".toast").remove();
    }
  });

  // --- Announcements: after an HTMX swap, the text of the new content's [data-announce]
  // elements goes into one hidden polite region (#announcer) that stays in place.
  function announce(text) {
    var region = document.getElementById("announcer");
    if (!region || !text) return;
    // The same text twice is announced twice: a no-break space makes it a change.
    region.textContent = region.textContent === text ? text + "\u00a0" : text;
  }
  function announceIn(root) {
    if (!root || !root.querySelectorAll) return;
    var nodes = Array.prototype.slice.call(root.querySelectorAll("[data-announce]"));
    if (root.matches && root.matches("[data-announce]")) nodes.unshift(root);
    var text = nodes.map(function (n) { return n.textContent.replace(/\s+/g, " ").trim(); })
      .filter(Boolean).join(". ");
    announce(text);
  }

  // --- Focus after an HTMX update of a region marked [data-focus-after-swap]: to the first
  // field with an error (its error text is linked to it), else to the heading of the section
  // whose form was sent, so keyboard and screen reader users stay where they were working.
  function focusAfterSwap(target, requestElt) {
    if (!target || !target.closest || !target.closest("[data-focus-after-swap]")) return;
    var region = target.closest("[data-focus-after-swap]");
    var invalid = region.querySelector("[aria-invalid=true], .alert[role=alert]");
    var to = null;
    if (invalid) {
      to = invalid;
      var details = invalid.closest("details");
      if (details) details.open = true;
    } else if (requestElt) {
      var url = requestElt.getAttribute("hx-post") || requestElt.getAttribute("hx-get");
      var same = url && region.querySelector('[hx-post="' + CSS.escape(url) + '"], [hx-get="' + CSS.escape(url) + '"]');
      var section = same && same.closest("section");
      to = section && section.querySelector("h2, h3");
    }
    to = to || region.querySelector("h1");
    if (!to) return;
    if (!to.matches("input, select, textarea, button, a[href]")) to.setAttribute("tabindex", "-1");
    to.focus();
  }

  // --- Selects that act on change ([data-act-on-choice]): a mouse or touch choice acts at once;
  // from the keyboard only Enter does. Arrow keys and type-ahead only move the choice (on a closed
  // select they fire "change" in Chromium, which must not reload the page or add a condition).
  // Leaving the select without Enter puts the applied value back.
  var keyChange = null;
  document.addEventListener("keydown", function (e) {
    var sel = e.target;
    if (!sel.matches || !sel.matches("select[data-act-on-choice]")) return;
    if (e.key === "Enter") {
      e.preventDefault();
      keyChange = null;  // an arrow key just before (its timer not run yet) must not swallow this
      delete sel.dataset.pending;
      sel.dispatchEvent(new Event("change", { bubbles: true }));
      return;
    }
    keyChange = sel;  // until the key is released: the change it causes comes before keyup
  }, true);
  document.addEventListener("keyup", function (e) { if (keyChange === e.target) keyChange = null; }, true);
  document.addEventListener("change", function (e) {
    var sel = e.target;
    if (!sel.matches || !sel.matches("select[data-act-on-choice]")) return;
    if (keyChange === sel) {  // an arrow key or type-ahead: remember, do nothing yet
      sel.dataset.pending = "1";
      e.stopImmediatePropagation();
      return;
    }
    delete sel.dataset.pending;
  }, true);
  document.addEventListener("focusin", function (e) {
    var sel = e.target;
    if (sel.matches && sel.matches("select[data-act-on-choice]") && !sel.dataset.pending) sel.dataset.applied = sel.value;
  });
  document.addEventListener("focusout", function (e) {
    var sel = e.target;
    if (keyChange === sel) keyChange = null;
    if (sel.matches && sel.matches("select[data-act-on-choice]") && sel.dataset.pending) {
      delete sel.dataset.pending;
      sel.value = sel.dataset.applied || "";
    }
  });

  // --- Bulk selection and "/" to search.
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

  // --- The phone menu: a button that shows and hides the main navigation.
  document.addEventListener("click", function (e) {
    var btn = e.target.closest && e.target.closest("[data-menu-toggle]");
    if (!btn) return;
    var open = btn.getAttribute("aria-expanded") !== "true";
    btn.setAttribute("aria-expanded", open ? "true" : "false");
    var nav = document.getElementById(btn.getAttribute("aria-controls"));
    if (nav) nav.classList.toggle("open", open);
  });

  // --- No inline code (the Content-Security-Policy forbids onclick= and friends; ADR 0013):
  // [data-confirm] on a form or a submit button asks before the form is sent;
  // select[data-submit-on-change] sends its form on a choice (after [data-act-on-choice] above
  // has let only a real choice through); a[data-key="j"] links are followed with that key.
  document.addEventListener("submit", function (e) {
    var by = e.submitter && e.submitter.closest && e.submitter.closest("[data-confirm]");
    var text = (by && by.dataset.confirm) || e.target.dataset.confirm;
    if (text && !window.confirm(text)) { e.preventDefault(); e.stopImmediatePropagation(); }
  }, true);
  document.addEventListener("change", function (e) {
    var sel = e.target;
    if (sel.matches && sel.matches("select[data-submit-on-change]") && sel.form) sel.form.requestSubmit();
  });
  // a[data-back] ("Go back" on error pages) goes back in history when there is one; its href
  // (the referring page, else home) is the way without script.
  document.addEventListener("click", function (e) {
    var a = e.target.closest && e.target.closest("a[data-back]");
    if (a && window.history.length > 1) { e.preventDefault(); window.history.back(); }
  });
  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey || !e.key) return;
    var el = document.activeElement;
    if (el && (/TEXTAREA|SELECT/.test(el.tagName) || (el.tagName === "INPUT" && el.type !== "radio"))) return;
    if (el && el.isContentEditable) return;
    var link = document.querySelector('a[data-key="' + CSS.escape(e.key.toLowerCase()) + '"]');
    if (link) { e.preventDefault(); window.location.href = link.href; }
  });

  document.addEventListener("DOMContentLoaded", function () { announcePageToasts(); syncSelection(); });
  document.addEventListener("htmx:afterSwap", function () { trimToasts(); syncSelection(); });
  document.addEventListener("htmx:afterSettle", function (e) {
    var target = e.detail && e.detail.elt;
    // An outerHTML swap detaches the old target: look the region up again by its id.
    if (target && !target.isConnected && target.id) target = document.getElementById(target.id);
    announceIn(target);
    focusAfterSwap(target, e.detail && e.detail.requestConfig && e.detail.requestConfig.elt);
  });
})();
