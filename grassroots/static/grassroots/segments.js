/* The segment builder: the definition lives here as data; the server counts and validates it.
   Shape: see grassroots/lists/compiler.py. Loaded before Alpine (both deferred, in order). */
(function () {
  let uid = 0;
  const next = () => "c" + (++uid);

  function readJSON(id) {
    const el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }

  document.addEventListener("alpine:init", () => {
    window.Alpine.data("segmentBuilder", (countUrl, areaSearchUrl) => ({
      filters: [], byKey: {}, refs: { lists: [], segments: [], tags: [] }, def: { steps: [] },
      areaLabels: {}, areaSearchUrl,
      timer: null,

      init() {
        this.filters = readJSON("filter-meta") || [];
        this.filters.forEach((f) => { this.byKey[f.key] = f; });
        this.refs = readJSON("segment-refs") || this.refs;
        this.def = this.fromDefinition(readJSON("segment-definition") || { steps: [] });
        if (!this.def.steps.length) this.addStep("add");
        this.loadAreaLabels();
        this.$watch("def", () => this.recount());
        this.recount();
      },

      meta(key) { return this.byKey[key] || { label: key, params: [], help: "" }; },
      stepLabel(i) { return "Step " + (i + 1); },
      groups() {
        const out = [];
        this.filters.forEach((f) => {
          let g = out.find((x) => x.name === f.group);
          if (!g) { g = { name: f.group, filters: [] }; out.push(g); }
          g.filters.push(f);
        });
        return out;
      },

      /* stored definition -> editable state (ids for x-for keys, areas as text) */
      fromDefinition(d) {
        const steps = (d.steps || []).map((s) => ({
          uid: next(), action: s.action || "add",
          group: { match: (s.group && s.group.match) || "all",
                   items: ((s.group && s.group.items) || []).map((it) => this.fromItem(it)) },
        }));
        return { steps };
      },
      fromItem(it) {
        if (it.items) return { uid: next(), kind: "raw", raw: it, negate: false };
        if ("list" in it) return { uid: next(), kind: "list", ref: Number(it.list), negate: !!it.negate };
        if ("segment" in it) return { uid: next(), kind: "segment", ref: Number(it.segment), negate: !!it.negate };
        const m = this.meta(it.filter);
        const params = {};
        m.params.forEach((p) => {
          let v = (it.params || {})[p.name];
          if (v === undefined || v === null) v = p.default;
          params[p.name] = this.shown(p, this.toInput(p, v));
        });
        return { uid: next(), kind: "filter", filter: it.filter, params, negate: !!it.negate };
      },
      toInput(p, v) {
        if (p.kind === "areas") return Array.isArray(v) ? v.join(", ") : (v || "");
        if (p.kind === "multi" || p.kind === "tags") return Array.isArray(v) ? v.map(String) : [];
        if (p.kind === "bool") return v === false ? "false" : "true";
        return v === null || v === undefined ? "" : String(v);
      },

      /* The value a select really shows: a required choice without a default (no empty
         option) shows its first option, so that is the value — not "", which the count would
         answer with "required" under an option the user sees chosen. A saved value the server
         no longer offers is kept, so the count says so instead of changing the segment. */
      shown(p, v) {
        if (p.kind !== "choice" || v !== "") return v;
        const values = (p.choices || []).map((c) => c[0]);
        if (!p.required || values.includes("") || !values.length) return v;
        return values[0];
      },

      /* editable state -> definition JSON for the server */
      payload() {
        return JSON.stringify({
          steps: this.def.steps.map((s) => ({
            action: s.action,
            group: { match: s.group.match, items: s.group.items.map((it) => this.toItem(it)) },
          })),
        });
      },
      toItem(it) {
        if (it.kind === "raw") return it.raw;
        if (it.kind === "list") return { list: it.ref, negate: it.negate };
        if (it.kind === "segment") return { segment: it.ref, negate: it.negate };
        const params = {};
        this.meta(it.filter).params.forEach((p) => {
          const v = it.params[p.name];
          if (p.kind === "areas") params[p.name] = this.areaCodes(v);
          else if (p.kind === "bool") params[p.name] = v === "true" || v === true;
          else if (p.kind === "multi" || p.kind === "tags") params[p.name] = Array.from(v || []);
          else if (v !== "" && v !== null && v !== undefined) params[p.name] = v;
        });
        return { filter: it.filter, params, negate: it.negate };
      },

      addStep(action) {
        this.def.steps.push({ uid: next(), action, group: { match: "all", items: [] } });
      },
      removeStep(i) { this.def.steps.splice(i, 1); },
      addCondition(step, value) {
        if (!value) return;
        if (value === "list") {
          step.group.items.push({ uid: next(), kind: "list", ref: (this.refs.lists[0] || {}).id, negate: false });
        } else if (value === "segment") {
          step.group.items.push({ uid: next(), kind: "segment", ref: (this.refs.segments[0] || {}).id, negate: false });
        } else {
          step.group.items.push(this.fromItem({ filter: value.slice(2), params: {} }));
        }
      },

      recount() {
        clearTimeout(this.timer);
        this.timer = setTimeout(() => {
          // A slow count still running ("counting…") is for an older definition: drop it.
          document.querySelectorAll("#segment-count [hx-post]").forEach((el) => {
            window.htmx.trigger(el, "htmx:abort");
          });
          // The live region stays; only its content changes (screen readers announce it).
          window.htmx.ajax("POST", countUrl, {
            target: "#segment-count", swap: "innerHTML", values: { definition: this.payload() },
          });
        }, 300);
      },

      /* areas: chosen with the area picker (picker.js); the state keeps "code, code" */
      areaCodes(v) { return String(v || "").split(/\s*,\s*/).map((s) => s.trim()).filter(Boolean); },
      areaLabel(code) { return this.areaLabels[code] || code; },
      setAreas(item, p, detail) {
        if (detail.added) this.areaLabels[detail.added.code] = detail.added.label;
        item.params[p.name] = detail.codes.join(", ");
      },
      /* the paths of the areas a saved segment names, for their chips */
      loadAreaLabels() {
        const codes = new Set();
        this.def.steps.forEach((s) => s.group.items.forEach((it) => {
          if (it.kind !== "filter") return;
          this.meta(it.filter).params.forEach((p) => {
            if (p.kind === "areas") this.areaCodes(it.params[p.name]).forEach((c) => codes.add(c));
          });
        }));
        codes.forEach((code) => {
          fetch(this.areaSearchUrl + "?format=json&q=" + encodeURIComponent(code), { credentials: "same-origin" })
            .then((r) => (r.ok ? r.json() : { results: [] }))
            .then((data) => {
              const hit = (data.results || []).find((a) => a.code === code);
              if (hit) this.areaLabels[code] = hit.label;
            })
            .catch(() => {});
        });
      },

      beforeSubmit() { clearTimeout(this.timer); },

      /* Helpers for the template: Alpine's CSP build (ADR 0013) evaluates no arrow function,
         global (JSON, Math) or DOM assignment in an attribute. */
      needsBlankChoice(p) { return !p.required && !(p.choices || []).some((c) => c[0] === ""); },
      rawText(item) { return JSON.stringify(item.raw).slice(0, 120); },
      addConditionFrom(step, event) {
        this.addCondition(step, event.target.value);
        event.target.value = "";
      },
    }));
  });
})();
