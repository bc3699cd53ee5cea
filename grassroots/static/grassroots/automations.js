// The automation editor: triggers and an ordered list of steps, kept as JSON in hidden inputs
// that the server validates. The kinds of step come from messaging's step registry
// (messaging.automations.registry): their labels, editors and starting parameters.
document.addEventListener("alpine:init", () => {
  window.Alpine.data("automationEditor", () => {
    const state = JSON.parse(document.getElementById("automation-state").textContent);
    return {
      steps: state.steps.map((s) => ({ ...s, params: { ...s.params } })),
      triggers: state.triggers,
      add(kind) {
        // each step type's starting parameters, from the step registry
        const params = (state.defaults || {})[kind] || {};
        this.steps.push({ kind, key: "", params: JSON.parse(JSON.stringify(params)) });
      },
      move(i, d) {
        const j = i + d;
        if (j < 0 || j >= this.steps.length) return;
        const s = this.steps.splice(i, 1)[0];
        this.steps.splice(j, 0, s);
      },
      remove(i) { this.steps.splice(i, 1); },
      get stepsJson() { return JSON.stringify(this.steps); },
      get triggersJson() {
        const out = [];
        if (this.triggers.created.on) out.push({ event: "person.created", via: this.triggers.created.via });
        if (this.triggers.tagged.on) out.push({ event: "tag.applied", tag: this.triggers.tagged.tag });
        if (this.triggers.keyword.on) out.push({ event: "message.received", keyword: this.triggers.keyword.keyword });
        if (this.triggers.segment.on) out.push({ event: "segment.entered", segment: this.triggers.segment.segment });
        for (const [event, on] of Object.entries(this.triggers.others || {})) {
          if (on) out.push({ event });  // the catalogue's other events about a person
        }
        return JSON.stringify(out);
      },
    };
  });
});
