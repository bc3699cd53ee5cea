/* The pickers: the area picker (geography/widgets.py) and the person picker
   (people/widgets.py) share this script. Each is a WAI-ARIA combobox with a listbox popup.
   Type a name (any script), a code, a phone...; ArrowDown/ArrowUp move through the
   suggestions, Enter chooses, Escape closes, Tab leaves. Each suggestion shows a hint (an
   area's path; a person's area and phone) from the search's JSON: {code, name, label, meta}.
   An area picker is marked data-area-picker (data-area-input, data-area-code,
   data-area-status, .area-chips); any other picker data-picker (data-picker-input,
   data-picker-value, data-picker-status, .picker-chips).
   Works by event delegation, so pickers added later (HTMX swaps, Alpine templates) work too.
   A choice fires "areapicked" on the picker with {codes: [...]} (the builder listens),
   and "change" on the hidden input (HTMX filter forms listen). */
(function () {
  const DELAY = 200;
  const timers = new WeakMap();
  const seq = new WeakMap();

  const ROOT = "[data-area-picker], [data-picker]";
  const INPUT = "[data-area-input], [data-picker-input]";
  const VALUE = "[data-area-code], [data-picker-value]";
  const CHIPS = ".area-chips, .picker-chips";
  const rootOf = (el) => el && el.closest && el.closest(ROOT);
  const inputOf = (root) => root.querySelector(INPUT);
  const listOf = (root) => root.querySelector("[role=listbox]");
  const statusOf = (root) => root.querySelector("[data-area-status], [data-picker-status]");
  const chipsOf = (root) => root.querySelector(CHIPS);
  const options = (root) => Array.from(listOf(root).querySelectorAll("[role=option]"));
  const multiple = (root) => root.hasAttribute("data-multiple");
  /* the words come translated from the widget's template (data-text-*) */
  const t = (root, key, fallback) => (root && root.dataset["text" + key]) || fallback;

  function codes(root) {
    if (multiple(root)) {
      const chips = chipsOf(root);
      return chips ? Array.from(chips.querySelectorAll("input[type=hidden]")).map((i) => i.value) : [];
    }
    const hidden = root.querySelector(VALUE);
    return hidden && hidden.value ? [hidden.value] : [];
  }

  function announce(root, text) {
    const status = statusOf(root);
    if (status) status.textContent = text;
  }

  function close(root) {
    const list = listOf(root);
    list.hidden = true;
    inputOf(root).setAttribute("aria-expanded", "false");
    inputOf(root).removeAttribute("aria-activedescendant");
  }

  function open(root) {
    listOf(root).hidden = false;
    inputOf(root).setAttribute("aria-expanded", "true");
  }

  function render(root, results, query) {
    const list = listOf(root);
    const input = inputOf(root);
    list.textContent = "";
    const taken = new Set(codes(root));
    results = results.filter((r) => !taken.has(r.code));
    results.forEach((r, i) => {
      const li = document.createElement("li");
      li.setAttribute("role", "option");
      li.id = list.id + "-" + i;
      li.dataset.code = r.code;
      li.dataset.label = r.label;
      li.dataset.name = r.name;
      li.setAttribute("aria-selected", "false");
      const name = document.createElement("span");
      name.className = "picker-option-name";
      name.textContent = r.name + (r.native_name && r.native_name !== r.name ? " · " + r.native_name : "");
      const meta = document.createElement("span");
      meta.className = "picker-option-meta";
      meta.textContent = r.meta !== undefined ? r.meta : r.kind + " · " + r.code + " · " + r.label;
      li.append(name, meta);
      list.appendChild(li);
    });
    if (!results.length) {
      const li = document.createElement("li");
      li.className = "picker-option-none";
      li.textContent = t(root, "None", "No area matches") + " “" + query + "”";
      list.appendChild(li);
      announce(root, li.textContent);
    } else {
      announce(root, results.length + " " + t(root, "Found", "areas found; use the arrow keys to choose"));
    }
    open(root);
    input.removeAttribute("aria-activedescendant");
  }

  function search(root) {
    const input = inputOf(root);
    const q = input.value.trim();
    if (!q) { close(root); return; }
    const n = (seq.get(root) || 0) + 1;
    seq.set(root, n);
    const url = root.dataset.searchUrl + "?format=json&q=" + encodeURIComponent(q);
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then((r) => (r.ok ? r.json() : { results: [] }))
      .then((data) => { if (seq.get(root) === n && document.activeElement === input) render(root, data.results || [], q); })
      .catch(() => {});
  }

  function activate(root, option) {
    options(root).forEach((o) => o.setAttribute("aria-selected", o === option ? "true" : "false"));
    if (option) {
      inputOf(root).setAttribute("aria-activedescendant", option.id);
      option.scrollIntoView({ block: "nearest" });
    }
  }

  function changed(root) {
    root.dispatchEvent(new CustomEvent("areapicked", { bubbles: true, detail: { codes: codes(root) } }));
  }

  /* A managed picker (data-managed: the segment builder, whose Alpine state draws the chips)
     is told the new list of codes and redraws itself; the others change their own DOM. */
  const managed = (root) => root.hasAttribute("data-managed");

  function tell(root, list, added) {
    root.dispatchEvent(new CustomEvent("areapicked", { bubbles: true, detail: { codes: list, added } }));
  }

  function choose(root, option) {
    const input = inputOf(root);
    if (managed(root)) {
      const added = { code: option.dataset.code, label: option.dataset.label };
      input.value = "";
      announce(root, option.dataset.label + " " + t(root, "Chosen", "chosen"));
      close(root);
      tell(root, [...codes(root), option.dataset.code], added);
      return;
    }
    if (multiple(root)) {
      const chips = chipsOf(root);
      const li = document.createElement("li");
      li.className = "chip";
      li.dataset.code = option.dataset.code;
      const label = document.createElement("span");
      label.textContent = option.dataset.label;
      const hidden = document.createElement("input");
      hidden.type = "hidden";
      hidden.name = root.dataset.name;
      hidden.value = option.dataset.code;
      const remove = document.createElement("button");
      remove.type = "button";
      remove.className = "chip-remove";
      remove.setAttribute("aria-label", t(root, "Remove", "Remove") + " " + option.dataset.name);
      remove.textContent = "×";
      li.append(label, " ", hidden, remove);
      chips.appendChild(li);
      input.value = "";
    } else {
      const hidden = root.querySelector(VALUE);
      hidden.value = option.dataset.code;
      input.value = option.dataset.label;
      hidden.dispatchEvent(new Event("change", { bubbles: true }));
    }
    announce(root, option.dataset.label + " " + t(root, "Chosen", "chosen"));
    close(root);
    changed(root);
  }

  document.addEventListener("input", (e) => {
    if (!e.target.matches || !e.target.matches(INPUT)) return;
    const root = rootOf(e.target);
    if (!multiple(root)) {
      /* typing again forgets the choice; an emptied box clears the filter at once */
      const hidden = root.querySelector(VALUE);
      const had = hidden.value;
      hidden.value = "";
      if (had && !e.target.value.trim()) changed(root);
    }
    clearTimeout(timers.get(root));
    timers.set(root, setTimeout(() => search(root), DELAY));
  });

  document.addEventListener("keydown", (e) => {
    if (!e.target.matches || !e.target.matches(INPUT)) return;
    const root = rootOf(e.target);
    const list = listOf(root);
    const opts = options(root);
    const current = opts.findIndex((o) => o.getAttribute("aria-selected") === "true");
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      if (list.hidden) { search(root); return; }
      if (!opts.length) return;
      const step = e.key === "ArrowDown" ? 1 : -1;
      const next = current < 0 ? (step > 0 ? 0 : opts.length - 1) : (current + step + opts.length) % opts.length;
      activate(root, opts[next]);
    } else if (e.key === "Enter") {
      if (!list.hidden && current >= 0) { e.preventDefault(); choose(root, opts[current]); }
      else if (!list.hidden && opts.length === 1) { e.preventDefault(); choose(root, opts[0]); }
      else if (managed(root)) e.preventDefault(); /* never submits the builder's form */
    } else if (e.key === "Escape") {
      if (!list.hidden) { e.preventDefault(); close(root); }
    } else if (e.key === "Backspace" && multiple(root) && !e.target.value) {
      const last = chipsOf(root) && chipsOf(root).querySelector(".chip:last-of-type");
      if (last && managed(root)) tell(root, codes(root).filter((c) => c !== last.dataset.code));
      else if (last) { last.remove(); changed(root); }
    }
  });

  document.addEventListener("click", (e) => {
    const option = e.target.closest && e.target.closest("[data-area-picker] [role=option], [data-picker] [role=option]");
    if (option) { const root = rootOf(option); choose(root, option); inputOf(root).focus(); return; }
    const remove = e.target.closest && e.target.closest("[data-area-picker] .chip-remove, [data-picker] .chip-remove");
    if (remove) {
      const root = rootOf(remove);
      if (managed(root)) {
        const gone = remove.closest(".chip").dataset.code;
        announce(root, t(root, "Removed", "Removed"));
        tell(root, codes(root).filter((c) => c !== gone));
        inputOf(root).focus();
        return;
      }
      remove.closest(".chip").remove();
      announce(root, t(root, "Removed", "Removed"));
      changed(root);
      inputOf(root).focus();
      return;
    }
    document.querySelectorAll(ROOT).forEach((root) => {
      if (!root.contains(e.target)) close(root);
    });
  });

  document.addEventListener("focusout", (e) => {
    const root = rootOf(e.target);
    if (!root) return;
    setTimeout(() => { if (!root.contains(document.activeElement)) close(root); }, 150);
  });
})();
