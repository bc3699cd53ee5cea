// The SMS meter under a message box: segments, encoding (GSM-7 or UCS-2) and the estimated
// cost per message, updated as the text is typed. Variables ({{ first_name }}…) are counted
// with sample values in the version's language. The same rules as rendering.sms_parts.
//
// <textarea data-sms-meter="ID">: ID is the meter (text always up to date, read with the field
// through aria-describedby); ID-live is a polite live region that speaks only when the number
// of segments or the encoding changes. data-sms-language="SELECT ID" picks the samples'
// language; data-sms-channel="SELECT ID" hides the meter unless the channel is SMS.
(() => {
  const GSM7 = new Set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZ" +
      "ÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
  );
  const EXTENDED = new Set("^{}\\[~]|€\f");
  const VARIABLE = /\{\{\s*([a-z_]+)[^}]*\}\}/g;

  function parts(text) {
    const chars = Array.from(text);
    let units, single, multi, encoding;
    if (chars.every((c) => GSM7.has(c) || EXTENDED.has(c))) {
      units = chars.reduce((n, c) => n + (EXTENDED.has(c) ? 2 : 1), 0);
      [single, multi, encoding] = [160, 153, "GSM-7"];
    } else {
      units = text.length; // UTF-16 code units, as UCS-2 counts them
      [single, multi, encoding] = [70, 67, "UCS-2"];
    }
    const segments = units === 0 ? 0 : units <= single ? 1 : Math.ceil(units / multi);
    return { units, segments, encoding, per: segments > 1 ? multi : single };
  }

  function fill(format, values) {
    return format.replace(/%\((\w+)\)s/g, (_m, k) => String(values[k]));
  }

  function setup(config, box) {
    const meter = document.getElementById(box.dataset.smsMeter);
    const live = document.getElementById(box.dataset.smsMeter + "-live");
    if (!meter) return;
    const language = box.dataset.smsLanguage && document.getElementById(box.dataset.smsLanguage);
    const channel = box.dataset.smsChannel && document.getElementById(box.dataset.smsChannel);
    let spoken = "";
    function update(announce) {
      const isSms = !channel || channel.value === "sms";
      meter.hidden = !isSms;
      if (!isSms) return;
      const lang = (language && language.value) || "en";
      const samples = config.samples[lang] || config.samples.en;
      const text = box.value.trim().replace(VARIABLE, (_m, name) => samples[name] ?? "··········");
      if (!text) {
        meter.textContent = ""; // nothing typed yet: nothing to count
        return;
      }
      const p = parts(text);
      const encoding = p.encoding === "GSM-7" ? config.gsm : config.ucs2;
      let line = fill(p.segments === 1 ? config.one : config.many, {
        segments: p.segments, encoding, units: p.units, per: p.per,
      });
      if (config.cost) {
        const cost = (p.segments * config.cost.amount).toFixed(config.cost.places);
        line += " · " + fill(config.cost_format, { cost, currency: config.cost.currency });
      } else {
        line += " · " + config.no_cost;
      }
      meter.textContent = line;
      const summary = p.segments + " " + p.encoding;
      if (live && summary !== spoken) {
        spoken = summary;
        if (announce) live.textContent = fill(p.segments === 1 ? config.one_short : config.many_short, {
          segments: p.segments, encoding,
        });
      }
    }
    box.addEventListener("input", update);
    if (language) language.addEventListener("change", update);
    if (channel) channel.addEventListener("change", update);
    update(false); // the first figures are read with the field, not announced
  }

  function init(root) {
    const data = document.getElementById("sms-meter-config");
    if (!data) return;
    const config = JSON.parse(data.textContent);
    root.querySelectorAll("textarea[data-sms-meter]").forEach((box) => {
      if (box.dataset.smsMeterReady) return;
      box.dataset.smsMeterReady = "1";
      setup(config, box);
    });
  }

  document.addEventListener("DOMContentLoaded", () => init(document));
  // rows added later (Alpine's "Add a language" templates)
  new MutationObserver(() => init(document)).observe(document.documentElement, {
    childList: true, subtree: true,
  });
})();
