/* The canvassing app: my turfs → a turf's doors in walk order → knock → who answered →
   the script → how it ended → next door. Works with no network: turfs are downloaded into
   IndexedDB (store.js), every action is written to the outbox first, and the outbox is sent
   to POST /canvass/sync when online (on start, on "online", every minute, on "Sync now"). */
(function () {
  "use strict";
  const root = document.getElementById("canvass");
  if (!root) return;
  const S = window.GrCanvassStore;
  const {URLS, LANG_NAMES, t, h, inLang, personalise, when, doorMap} = window.GrCanvassUI;
  const view = document.getElementById("cv-view");
  const notices = document.getElementById("cv-notices");
  const UI_LANG = root.dataset.language || "en";
  const BATCH = 200;
  let syncing = false;
  let gpsFix = null;
  let onHome = false;
  let shown = 0;  // screens shown so far: a slow screen does not replace a later one

  /* ---- small things ------------------------------------------------------------------- */

  function csrf() {
    const m = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return m ? decodeURIComponent(m[1]) : root.dataset.csrf;
  }

  async function api(url, body) {
    const init = {credentials: "same-origin", headers: {Accept: "application/json"}};
    if (body !== undefined) {
      init.method = "POST";
      init.headers["Content-Type"] = "application/json";
      init.headers["X-CSRFToken"] = csrf();
      init.body = JSON.stringify(body);
    }
    const r = await fetch(url, init);
    let data = null;
    try { data = await r.json(); } catch (e) { data = null; }
    return {status: r.status, ok: r.ok, data: data || {}};
  }

  function notice(text, kind) {
    const p = h("p", {class: `cv-notice ${kind || ""}`}, text);
    notices.append(p);
    if (kind !== "sticky") setTimeout(() => p.remove(), 6000);
  }

  function show(...nodes) {
    shown += 1;
    onHome = false;
    view.replaceChildren(...nodes);
    const heading = view.querySelector("h1, h2");
    if (heading) { heading.setAttribute("tabindex", "-1"); heading.focus({preventScroll: true}); }
    window.scrollTo(0, 0);
  }

  const online = () => navigator.onLine !== false;
  const turfUrl = (pattern, id) => pattern.replace(/0\/(release\/)?$/, `${id}/$1`);

  /* ---- status bar and sync ------------------------------------------------------------- */

  async function refreshStatus() {
    const n = await S.pendingCount();
    document.getElementById("cv-pending").textContent = String(n);
    document.getElementById("cv-last-sync").textContent = when(await S.meta("last_sync", null));
    const net = document.getElementById("cv-net");
    net.textContent = online() ? t("online") : t("offline");
    net.className = online() ? "cv-net on" : "cv-net off";
    await showRejected();
  }

  async function showRejected() {
    const box = document.getElementById("cv-rejected") || h("div", {id: "cv-rejected", class: "cv-rejected"});
    const list = await S.rejected();
    box.replaceChildren();
    if (list.length) {
      box.append(h("h2", {}, t("rejected")),
        h("ul", {}, list.map((r) => h("li", {}, `${r.what || r.id}: ${r.reason}`))),
        h("button", {type: "button", class: "btn small", onclick: async () => {
          await S.setMeta("rejected", []); refreshStatus();
        }}, t("dismiss")));
      if (!box.isConnected) notices.after(box);
    } else if (box.isConnected) {
      box.remove();
    }
  }

  function describe(event) {
    if (event.type === "visit") return `${t("door")} ${event.door_label || event.door}`;
    if (event.type === "person") return `${event.given_name || ""} ${event.family_name || ""}`.trim();
    if (event.type === "door") return `${event.house_number || ""} ${event.street || ""}`.trim();
    if (event.type === "flag") return `${t("do_not_knock")}: ${t("door")} ${event.door_label || event.door}`;
    if (event.type === "alert") return event.kind === "panic" ? t("help") : t("check_in");
    return event.id;
  }

  async function syncNow(manual) {
    if (syncing) return;
    if (!online()) { if (manual) notice(t("need_online")); await refreshStatus(); return; }
    syncing = true;
    const button = document.getElementById("cv-sync");
    button.disabled = true;
    button.textContent = t("syncing");
    try {
      const device = await S.device();
      for (let pass = 0; pass < 5; pass += 1) {
        const {events, corrupt} = await S.outbox();
        if (corrupt) notice(t("corrupt"), "warn");
        if (!events.length) break;
        let progress = false;
        for (let i = 0; i < events.length; i += BATCH) {
          const chunk = events.slice(i, i + BATCH);
          const sent = chunk.map((e) => {
            const copy = Object.assign({}, e.event);
            delete copy.door_label;
            return copy;
          });
          let r;
          try {
            r = await api(URLS.sync, {device, events: sent});
          } catch (e) {
            notice(t("sync_failed"), "warn");
            return;
          }
          if (r.status === 401 || r.status === 403) {
            notices.append(h("p", {class: "cv-notice warn"}, h("a", {href: `${URLS.login}?next=${encodeURIComponent(location.pathname)}`}, t("sign_in"))));
            return;
          }
          if (!r.ok || !Array.isArray(r.data.results)) { notice(t("sync_failed"), "warn"); return; }
          const done = [], rejected = [], visitsDone = [], visitsRejected = [];
          r.data.results.forEach((res, k) => {
            const item = chunk[k];
            if (!item || !res) return;
            if (res.status === "applied" || res.status === "duplicate") {
              done.push(item.seq);
              if (item.event.type === "visit") visitsDone.push(item.event.id);
            } else if (res.status === "rejected") {
              done.push(item.seq);
              if (item.event.type === "visit") visitsRejected.push(item.event.id);
              rejected.push({id: item.event.id, what: describe(item.event), reason: res.reason || ""});
            }
          });
          if (done.length) progress = true;
          await S.removeSent(done);
          await S.markVisits(visitsDone, "synced");
          await S.markVisits(visitsRejected, "rejected");
          if (rejected.length) await S.addRejected(rejected);
        }
        await S.setMeta("last_sync", new Date().toISOString());
        if (!progress) break;
      }
      if (!(await S.pendingCount())) notice(t("synced"));
    } finally {
      syncing = false;
      button.disabled = false;
      button.textContent = t("sync_now");
      await refreshStatus();
    }
  }

  /* ---- local state of a turf ------------------------------------------------------------ */

  async function loadTurf(id) {
    const pkg = await S.turf(id);
    if (!pkg) return null;
    const visits = (await S.visits()).filter((v) => v.turf === pkg.turf.id);
    const added = (await S.added()).filter((a) => a.turf === pkg.turf.id);
    const doors = pkg.doors.map((d) => Object.assign({}, d, {people: d.people.slice()}));
    const people = new Map(pkg.people.map((p) => [String(p.id), p]));
    added.filter((a) => a.kind === "door").forEach((a) => doors.push(a.door));
    added.filter((a) => a.kind === "person").forEach((a) => {
      people.set(a.person.id, a.person);
      const door = doors.find((d) => String(d.id) === String(a.door));
      if (door && !door.people.includes(a.person.id)) door.people.push(a.person.id);
    });
    added.filter((a) => a.kind === "flag").forEach((a) => {
      const door = doors.find((d) => String(d.id) === String(a.door));
      if (door) Object.assign(door, {do_not_knock: true, do_not_knock_reason: a.reason || ""});
    });
    const mine = new Map();
    visits.forEach((v) => { mine.set(String(v.door), v); });
    const partners = new Map((pkg.partners || []).map((p) => [String(p.door), p]));
    return {pkg, doors, people, mine, partners};
  }

  const knocked = (state) => (d) => state.mine.has(String(d.id)) || d.knocks > 0;

  /* ---- canvasser safety: the stop time, "do not knock", check in and help ---------------- */

  /* Past the effort's stop time on this phone's day (the phone keeps the campaign's time). */
  function stopped(state) {
    const at = state.pkg.effort && state.pkg.effort.stop_time;
    const m = at && /^(\d{1,2}):(\d{2})/.exec(at);
    if (!m) return false;
    const now = new Date();
    return now.getHours() * 60 + now.getMinutes() >= Number(m[1]) * 60 + Number(m[2]);
  }

  function stopBanner(state) {
    return stopped(state)
      ? h("p", {class: "cv-stop", role: "alert", id: "cv-stop"}, t("stopped").replace("%(time)s", state.pkg.effort.stop_time))
      : null;
  }

  function flagLine(d) {
    return d.do_not_knock
      ? h("span", {class: "cv-flag"}, `⚠ ${t("do_not_knock")}${d.do_not_knock_reason ? `: ${d.do_not_knock_reason}` : ""}`)
      : null;
  }

  function leaderLinks(state) {
    const leaders = (state.pkg.leaders || []).filter((l) => l.phone);
    if (!leaders.length) return null;
    return h("p", {class: "cv-call"}, leaders.map((l) =>
      h("a", {class: "btn", href: `tel:${l.phone.replace(/[^+\d]/g, "")}`}, t("call_leader").replace("%(name)s", l.name))));
  }

  async function sendAlert(state, kind, box) {
    if (kind === "panic" && !window.confirm(t("help_confirm"))) return;
    const event = {id: S.uuid(), type: "alert", effort: state.pkg.effort.id, kind, at: new Date().toISOString()};
    if (gpsFix && Date.now() - gpsFix.at < 10 * 60000) Object.assign(event, {lat: gpsFix.lat, lon: gpsFix.lon});
    let sent = false;
    if (online()) {
      try {
        const r = await api(URLS.alert, event);
        sent = r.ok;
      } catch (e) { sent = false; }
    }
    const calls = leaderLinks(state);
    if (sent) {
      notice(t("alert_sent"));
      if (kind === "panic" && calls) box.replaceChildren(calls);
      return;
    }
    await S.record(event);
    refreshStatus();
    box.replaceChildren(h("p", {class: "cv-notice warn", role: "alert"}, t("alert_queued")), calls);
  }

  function safetyBar(state) {
    const box = h("div", {class: "cv-safety-out", "aria-live": "polite"});
    return h("div", {class: "cv-safety"},
      h("div", {class: "cv-actions"},
        h("button", {type: "button", class: "btn quiet", id: "cv-check-in", onclick: () => sendAlert(state, "check_in", box)}, t("check_in")),
        h("button", {type: "button", class: "btn danger", id: "cv-help", onclick: () => sendAlert(state, "panic", box)}, t("help"))),
      box);
  }

  function flagForm(state, d) {
    const reason = h("input", {type: "text", id: "cv-flag-reason", maxlength: "300"});
    const form = h("form", {class: "cv-flag-form", hidden: true},
      h("label", {for: "cv-flag-reason"}, t("flag_reason")), reason,
      h("div", {class: "cv-actions"},
        h("button", {type: "submit", class: "btn danger"}, t("flag_door")),
        h("button", {type: "button", class: "btn quiet", onclick: () => { form.hidden = true; opener.hidden = false; }}, t("cancel"))));
    const opener = h("button", {type: "button", class: "btn quiet", id: "cv-flag-open", onclick: () => { form.hidden = false; opener.hidden = true; reason.focus(); }}, t("flag_door"));
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      const event = {id: S.uuid(), type: "flag", effort: state.pkg.effort.id, turf: state.pkg.turf.id,
        door: d.id, door_label: d.label || "", reason: reason.value.trim().slice(0, 300)};
      await S.record(event, {added: {id: event.id, kind: "flag", turf: state.pkg.turf.id, door: String(d.id), reason: event.reason}});
      notice(t("flagged"));
      refreshStatus();
      if (online()) syncNow(false);
      await turfScreen(state.pkg.turf.id, {focusDoor: d.id});
    });
    return h("div", {}, opener, form);
  }

  /* ---- screens -------------------------------------------------------------------------- */

  async function home() {
    const asked = shown;
    const {turfs: local, corrupt} = await S.turfs();
    if (corrupt) notice(t("corrupt"), "warn");
    const byId = new Map(local.map((p) => [p.turf.id, p]));
    let server = null;
    if (online()) {
      try {
        const r = await api(URLS.turfs);
        if (r.status === 401) {
          notices.append(h("p", {class: "cv-notice warn"}, h("a", {href: `${URLS.login}?next=${encodeURIComponent(location.pathname)}`}, t("sign_in"))));
        } else if (r.ok) {
          server = r.data;
        }
      } catch (e) { server = null; }
    }
    const rows = [];
    const seen = new Set();
    (server ? server.turfs : []).forEach((turf) => {
      seen.add(turf.id);
      rows.push(turfRow(turf.id, turf.name, turf.effort.name, turf.doors, byId.get(turf.id)));
    });
    local.forEach((p) => {
      if (!seen.has(p.turf.id)) rows.push(turfRow(p.turf.id, p.turf.name, p.effort.name, p.doors.length, p));
    });
    const gps = h("input", {type: "checkbox", id: "cv-gps"});
    gps.checked = !!(await S.meta("gps", false));
    gps.addEventListener("change", async () => {
      await S.setMeta("gps", gps.checked);
      if (gps.checked) locate();
    });
    const parts = [
      h("h1", {}, t("turfs")),
      rows.length ? h("ul", {class: "cv-turfs"}, rows) : h("p", {}, t("no_turfs")),
      h("p", {class: "cv-check"}, gps, " ", h("label", {for: "cv-gps"}, t("gps"))),
    ];
    if (server && server.efforts && server.efforts.length) parts.push(pickupForm(server.efforts));
    if (shown !== asked) return;  // the canvasser opened another screen meanwhile
    show(...parts);
    onHome = true;
  }

  function turfRow(id, name, effortName, doors, pkg) {
    const actions = [];
    if (online()) {
      actions.push(h("button", {type: "button", class: "btn", onclick: (e) => download(id, e.currentTarget)},
        pkg ? t("update") : t("download")));
    }
    if (pkg) actions.push(h("button", {type: "button", class: "btn primary", onclick: () => turfScreen(id)}, t("open")));
    if (online() && !pkg?.released) {
      actions.push(h("button", {type: "button", class: "btn quiet", onclick: () => release(id)}, t("release")));
    }
    return h("li", {class: "cv-turf", data: {turf: id}},
      h("h2", {}, name),
      h("p", {}, `${effortName} · ${t("doors")}: ${doors}`, pkg ? ` · ${t("downloaded")} ${when(pkg.downloaded_at)}` : ""),
      h("div", {class: "cv-actions"}, actions));
  }

  async function download(id, button) {
    if (button) { button.disabled = true; button.textContent = t("downloading"); }
    try {
      const r = await api(turfUrl(URLS.turf, id));
      if (!r.ok) { notice(r.data.error || t("sync_failed"), "warn"); return; }
      await S.saveTurf(r.data);
      const {events} = await S.outbox();
      await S.pruneAdded(r.data.turf.id, new Set(events.map((e) => e.event.id)));
      notice(`${r.data.turf.name}: ${t("downloaded")}`);
    } catch (e) {
      notice(t("need_online"), "warn");
    }
    await home();
  }

  async function release(id) {
    if (!window.confirm(t("release_confirm"))) return;
    await syncNow(false);
    const r = await api(turfUrl(URLS.release, id), {});
    if (r.ok) {
      if (!(await S.pendingCount())) await S.dropTurf(id);
      notice(t("released"));
    } else {
      notice(r.data.error || t("sync_failed"), "warn");
    }
    await home();
  }

  function pickupForm(efforts) {
    const select = h("select", {id: "cv-pickup-effort"},
      efforts.map((e) => h("option", {value: e.id}, e.name)));
    const go = h("button", {type: "submit", class: "btn"}, t("pickup"));
    const form = h("form", {class: "cv-pickup"},
      h("h2", {}, t("pickup")),
      h("label", {for: "cv-pickup-effort"}, t("pickup_effort")), select, go);
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      if (!navigator.geolocation) { notice(t("gps_denied"), "warn"); return; }
      go.disabled = true;
      navigator.geolocation.getCurrentPosition(async (pos) => {
        const r = await api(URLS.pickup, {effort: select.value, lat: pos.coords.latitude, lon: pos.coords.longitude});
        go.disabled = false;
        if (r.ok) { notice(t("pickup_done")); await download(r.data.turf); } else notice(r.data.error || t("sync_failed"), "warn");
      }, () => { go.disabled = false; notice(t("gps_denied"), "warn"); }, {timeout: 15000, maximumAge: 60000});
    });
    return form;
  }

  function doorLine(state, d, i) {
    const mine = state.mine.get(String(d.id));
    const partner = state.partners.get(String(d.id));
    const names = d.people.map((pid) => state.people.get(String(pid))).filter(Boolean).map((p) => p.name);
    const status = mine ? `${t("knocked")}${mine.result ? ` · ${codeName(state, mine.result)}` : ""}`
      : d.knocks > 0 ? `${t("knocked")}${d.last_result ? ` · ${codeName(state, d.last_result)}` : ""}`
        : t("not_knocked");
    return h("li", {class: `cv-door${knocked(state)(d) ? " knocked" : ""}${d.do_not_knock ? " flagged" : ""}`},
      h("button", {type: "button", class: "cv-door-btn", data: {door: d.id}, onclick: () => doorScreen(state.pkg.turf.id, d.id)},
        h("span", {class: "cv-pos"}, String(i + 1)),
        h("span", {class: "cv-door-main"},
          h("strong", {}, d.label || t("door")),
          h("span", {class: "cv-names"}, names.join(", ")),
          h("span", {class: "cv-door-status"}, status, partner ? ` · ${t("partner")}` : ""),
          hostile(state, d) ? h("span", {class: "cv-warn"}, t("hostile")) : null,
          flagLine(d))));
  }

  /* A door whose last result was hostile or unsafe: nobody goes back alone. */
  function hostile(state, d) {
    const mine = state.mine.get(String(d.id));
    return [d.last_result, mine && mine.result].some((code) => {
      const c = code && state.pkg.codes.find((x) => x.code === code);
      return !!(c && c.hostile);
    });
  }

  function codeName(state, code) {
    const c = state.pkg.codes.find((x) => x.code === code);
    return c ? inLang(c.name, [UI_LANG]) : code;
  }

  async function turfScreen(id, opts) {
    const state = await loadTurf(id);
    if (!state) { await home(); return; }
    const done = state.doors.filter(knocked(state)).length;
    const list = h("ol", {class: "cv-doors", id: "cv-doors"}, state.doors.map((d, i) => doorLine(state, d, i)));
    const mapBox = doorMap(state.doors, knocked(state), (d) => doorScreen(id, d.id));
    mapBox.hidden = true;
    const toggle = h("button", {type: "button", class: "btn quiet", "aria-pressed": "false"}, t("map"));
    toggle.addEventListener("click", () => {
      mapBox.hidden = !mapBox.hidden;
      toggle.setAttribute("aria-pressed", String(!mapBox.hidden));
    });
    show(
      h("p", {}, h("button", {type: "button", class: "btn quiet", onclick: home}, `← ${t("turfs")}`)),
      h("h1", {}, state.pkg.turf.name),
      stopBanner(state),
      safetyBar(state),
      h("p", {class: "cv-progress"}, `${state.pkg.effort.name} · ${t("knocked")}: ${done} / ${state.doors.length}`),
      h("div", {class: "cv-actions"}, toggle,
        h("button", {type: "button", class: "btn", onclick: () => addDoorScreen(state)}, t("add_door"))),
      mapBox,
      list);
    if (opts && opts.focusDoor) {
      const b = view.querySelector(`[data-door="${CSS.escape(String(opts.focusDoor))}"]`);
      if (b) b.scrollIntoView({block: "center"});
    }
  }

  function locate() {
    if (!navigator.geolocation) return;
    S.meta("gps", false).then((ok) => {
      if (!ok) return;
      navigator.geolocation.getCurrentPosition((pos) => {
        gpsFix = {lat: pos.coords.latitude, lon: pos.coords.longitude, accuracy: pos.coords.accuracy, at: Date.now()};
      }, () => { gpsFix = null; }, {timeout: 10000, maximumAge: 60000, enableHighAccuracy: true});
    });
  }

  async function doorScreen(turfId, doorId) {
    const state = await loadTurf(turfId);
    const d = state && state.doors.find((x) => String(x.id) === String(doorId));
    if (!d) { await turfScreen(turfId); return; }
    locate();
    const people = d.people.map((pid) => state.people.get(String(pid))).filter(Boolean);
    const personButton = (p) => h("li", {},
      h("button", {type: "button", class: "cv-person", onclick: () => scriptScreen(state, d, p)},
        h("strong", {}, p.name, p.native_name ? ` (${p.native_name})` : ""),
        p.do_not_contact ? h("span", {class: "cv-warn"}, t("do_not_contact")) : null,
        h("span", {}, [
          p.age ? `${p.age} ${t("age_short")}` : "",
          p.gender ? t(p.gender) : "",
          p.language || "",
          p.relative ? p.relative.name : "",
        ].filter(Boolean).join(" · ")),
        priorLine(state, p)));
    const back = h("p", {}, h("button", {type: "button", class: "btn quiet", onclick: () => turfScreen(turfId, {focusDoor: d.id})}, `← ${t("doors")}`));
    if (d.do_not_knock || stopped(state)) {  // no knocking: say why, keep the safety buttons
      show(back, h("h1", {}, d.label || t("door")), stopBanner(state),
        d.do_not_knock ? h("p", {class: "cv-flag", role: "alert"}, flagLine(d)) : null,
        safetyBar(state));
      return;
    }
    show(
      back,
      h("h1", {}, d.label || t("door")),
      d.units > 1 ? h("p", {}, `${d.units} ${t("households")}`) : null,
      hostile(state, d) ? h("p", {class: "cv-warn"}, t("hostile")) : null,
      h("h2", {}, t("who_answered")),
      h("ul", {class: "cv-people"}, people.map(personButton)),
      h("div", {class: "cv-actions"},
        h("button", {type: "button", class: "btn", onclick: () => resultScreen(state, d, null)}, t("nobody")),
        h("button", {type: "button", class: "btn", onclick: () => addPersonScreen(state, d)}, t("add_person"))),
      flagForm(state, d),
      safetyBar(state));
  }

  function priorLine(state, p) {
    const parts = [];
    Object.entries(p.latest || {}).forEach(([qid, value]) => {
      const b = state.pkg.script.blocks.find((x) => String(x.id) === qid);
      if (!b) return;
      const shown = Array.isArray(value) ? value.join(", ") : (b.choices ? (b.choices.find((c) => c.value === value) || {}).label : value);
      parts.push(`${b.label || ""}: ${typeof shown === "object" ? inLang(shown, [UI_LANG]) : shown}`);
    });
    if (p.last_result) parts.push(codeName(state, p.last_result));
    return parts.length ? h("span", {class: "cv-prior"}, `${t("prior")}: ${parts.join(" · ")}`) : null;
  }

  function scriptLangs(state, person) {
    const have = state.pkg.script.languages;
    const first = person && person.language && have.includes(person.language) ? person.language
      : have.includes(UI_LANG) ? UI_LANG : state.pkg.script.base_language;
    return [first, UI_LANG, state.pkg.script.base_language];
  }

  /* The script as one form: each question's block; a choice that jumps ("goto") hides the
     blocks it skips (their answers are not sent); then how it ended, a note, save. */
  function scriptScreen(state, door, person, lang) {
    const langs = lang ? [lang, UI_LANG] : scriptLangs(state, person);
    const blocks = state.pkg.script.blocks;
    const form = h("form", {class: "cv-script", novalidate: true});
    const langSelect = h("select", {id: "cv-lang"}, state.pkg.script.languages.map((l) =>
      h("option", {value: l, lang: l, selected: l === langs[0]}, LANG_NAMES[l] || l)));
    langSelect.addEventListener("change", () => scriptScreen(state, door, person, langSelect.value));
    const sections = blocks.map((b, i) => blockField(b, i, langs, person));
    sections.forEach((s) => form.append(s));
    const branch = () => {
      let skipTo = -1;
      blocks.forEach((b, i) => {
        const section = sections[i];
        section.hidden = i < skipTo;
        if (section.hidden || !b.choices) return;
        section.querySelectorAll("input:checked").forEach((picked) => {
          const c = b.choices.find((x) => String(x.id) === picked.dataset.choice);
          const target = c && c.goto ? blocks.findIndex((x) => x.id === c.goto) : -1;
          if (target > i) skipTo = Math.max(skipTo, target);
        });
      });
    };
    form.addEventListener("change", branch);
    form.append(resultFieldset(state, true), noteField());
    form.append(h("button", {type: "submit", class: "btn primary cv-save"}, t("save")));
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      const answers = {};
      blocks.forEach((b, i) => {
        if (sections[i].hidden || b.kind === "text") return;
        const v = readAnswer(b, sections[i]);
        if (v !== null) answers[String(b.id)] = v;
      });
      saveVisit(state, door, person, form, answers, langs[0]);
    });
    show(
      h("p", {}, h("button", {type: "button", class: "btn quiet", onclick: () => doorScreen(state.pkg.turf.id, door.id)}, `← ${door.label}`)),
      h("h1", {}, person.name),
      h("p", {class: "cv-lang"}, h("label", {for: "cv-lang"}, t("language")), " ", langSelect),
      form);
  }

  function blockField(b, i, langs, person) {
    const text = personalise(inLang(b.text, langs), person);
    const name = `q${b.id}`;
    if (b.kind === "text") return h("div", {class: "cv-block cv-read"}, h("p", {}, text));
    const box = h("fieldset", {class: "cv-block", data: {block: b.id}}, h("legend", {}, text));
    if (b.choices) {
      const multi = b.kind === "multiple";
      b.choices.forEach((c) => {
        const id = `${name}-${c.id}`;
        const wording = c.consent ? inLang(c.consent, langs) : "";
        box.append(h("div", {class: "cv-choice"},
          h("input", {type: multi ? "checkbox" : "radio", name, id, value: c.value, data: {choice: c.id}}),
          h("label", {for: id}, inLang(c.label, langs)),
          wording ? h("p", {class: "cv-consent"}, h("strong", {}, t("consent")), " ", h("q", {}, wording)) : null));
      });
    } else if (b.kind === "scale") {
      const row = h("div", {class: "cv-scale"});
      for (let v = b.min; v <= b.max; v += 1) {
        const id = `${name}-${v}`;
        row.append(h("span", {class: "cv-choice"}, h("input", {type: "radio", name, id, value: v}), h("label", {for: id}, String(v))));
      }
      box.append(row);
    } else if (b.kind === "number") {
      box.append(h("input", {type: "number", name, inputmode: "decimal", "aria-label": text}));
    } else {
      box.append(h("textarea", {name, rows: 2, "aria-label": text}));
    }
    return box;
  }

  function readAnswer(b, section) {
    if (b.kind === "multiple") {
      const v = Array.from(section.querySelectorAll("input:checked")).map((x) => x.value);
      return v.length ? v : null;
    }
    if (b.choices || b.kind === "scale") {
      const x = section.querySelector("input:checked");
      if (!x) return null;
      return b.kind === "scale" ? Number(x.value) : x.value;
    }
    const field = section.querySelector("input, textarea");
    const v = field ? field.value.trim() : "";
    if (!v) return null;
    return v;
  }

  function resultFieldset(state, contacted) {
    const box = h("fieldset", {class: "cv-block cv-results"}, h("legend", {}, t("result")));
    state.pkg.codes.filter((c) => c.hostile || (contacted ? c.contact : !c.contact)).forEach((c) => {
      const id = `cv-result-${c.code}`;
      box.append(h("div", {class: "cv-choice"},
        h("input", {type: "radio", name: "result", id, value: c.code}),
        h("label", {for: id}, inLang(c.name, [UI_LANG]))));
    });
    return box;
  }

  function noteField() {
    return h("p", {class: "cv-field"}, h("label", {for: "cv-note"}, t("note")),
      h("textarea", {id: "cv-note", name: "note", rows: 2}));
  }

  function resultScreen(state, door, lang) {
    const form = h("form", {class: "cv-script", novalidate: true}, resultFieldset(state, false), noteField(),
      h("button", {type: "submit", class: "btn primary cv-save"}, t("save")));
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      saveVisit(state, door, null, form, {}, lang || UI_LANG);
    });
    show(
      h("p", {}, h("button", {type: "button", class: "btn quiet", onclick: () => doorScreen(state.pkg.turf.id, door.id)}, `← ${door.label}`)),
      h("h1", {}, t("nobody")),
      form);
  }

  async function saveVisit(state, door, person, form, answers, lang) {
    const picked = form.querySelector('input[name="result"]:checked');
    const note = form.querySelector("#cv-note").value.trim();
    const event = {
      id: S.uuid(), type: "visit", effort: state.pkg.effort.id, turf: state.pkg.turf.id, door: door.id,
      result: picked ? picked.value : "", answers, note, language: lang,
      at: new Date().toISOString(), door_label: door.label,
    };
    if (person) {
      if (person.added_event) event.person_event = person.added_event;
      else event.person = person.id;
    }
    if (gpsFix && (await S.meta("gps", false)) && Date.now() - gpsFix.at < 5 * 60000) {
      Object.assign(event, {lat: gpsFix.lat, lon: gpsFix.lon, accuracy: gpsFix.accuracy});
    }
    await S.record(event, {visit: {id: event.id, turf: state.pkg.turf.id, door: String(door.id),
      person: person ? String(person.id) : null, result: event.result, at: event.at, status: "pending"}});
    notice(t("saved"));
    await refreshStatus();
    if (online()) syncNow(false);
    afterSave(state.pkg.turf.id, door.id);
  }

  async function afterSave(turfId, doorId) {
    const state = await loadTurf(turfId);
    const i = state.doors.findIndex((d) => String(d.id) === String(doorId));
    const rest = state.doors.slice(i + 1).concat(state.doors.slice(0, Math.max(i, 0)));
    const next = stopped(state) ? null : rest.find((d) => !knocked(state)(d) && !d.do_not_knock);
    show(
      h("h1", {}, t("saved")),
      stopBanner(state),
      stopped(state) ? null : next ? h("p", {}, h("button", {type: "button", class: "btn primary cv-next", onclick: () => doorScreen(turfId, next.id)},
        `${t("next_door")}: ${next.label}`)) : h("p", {}, t("done_all")),
      h("p", {}, h("button", {type: "button", class: "btn", onclick: () => doorScreen(turfId, doorId)}, t("back"))),
      h("p", {}, h("button", {type: "button", class: "btn quiet", onclick: () => turfScreen(turfId, {focusDoor: doorId})}, t("doors"))));
  }

  function field(id, label, attrs) {
    return h("p", {class: "cv-field"}, h("label", {for: id}, label), h("input", Object.assign({id, name: id}, attrs || {})));
  }

  function addPersonScreen(state, door) {
    const gender = h("select", {id: "cv-new-gender", name: "gender"},
      h("option", {value: ""}, "—"), h("option", {value: "male"}, t("male")),
      h("option", {value: "female"}, t("female")), h("option", {value: "other"}, t("other")));
    const error = h("p", {class: "cv-error", id: "cv-new-error", role: "alert"});
    const form = h("form", {class: "cv-form", novalidate: true},
      field("cv-new-given", t("given_name"), {autocomplete: "off", required: true}),
      field("cv-new-family", t("family_name"), {autocomplete: "off"}),
      field("cv-new-age", t("age"), {type: "number", inputmode: "numeric", min: 1, max: 129}),
      h("p", {class: "cv-field"}, h("label", {for: "cv-new-gender"}, t("gender")), gender),
      field("cv-new-phone", t("phone"), {type: "tel", autocomplete: "off"}),
      error,
      h("div", {class: "cv-actions"}, h("button", {type: "submit", class: "btn primary"}, t("add")),
        h("button", {type: "button", class: "btn quiet", onclick: () => doorScreen(state.pkg.turf.id, door.id)}, t("cancel"))));
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      const given = form.querySelector("#cv-new-given").value.trim();
      if (!given) { error.textContent = t("name_needed"); form.querySelector("#cv-new-given").focus(); return; }
      const event = {id: S.uuid(), type: "person", effort: state.pkg.effort.id, turf: state.pkg.turf.id, door: door.id,
        given_name: given, family_name: form.querySelector("#cv-new-family").value.trim(),
        age: form.querySelector("#cv-new-age").value.trim(), gender: gender.value,
        phone: form.querySelector("#cv-new-phone").value.trim(), language: UI_LANG};
      const person = {id: `e:${event.id}`, added_event: event.id, given_name: event.given_name,
        family_name: event.family_name, name: `${event.given_name} ${event.family_name}`.trim(),
        native_name: "", age: Number(event.age) || null, gender: event.gender, language: "", latest: {}};
      await S.record(event, {added: {id: event.id, kind: "person", turf: state.pkg.turf.id, door: String(door.id), person}});
      await refreshStatus();
      if (online()) syncNow(false);
      await doorScreen(state.pkg.turf.id, door.id);
    });
    show(h("h1", {}, `${t("add_person")}: ${door.label}`), form);
  }

  function addDoorScreen(state) {
    const error = h("p", {class: "cv-error", role: "alert"});
    const form = h("form", {class: "cv-form", novalidate: true},
      field("cv-door-number", t("house_number"), {autocomplete: "off"}),
      field("cv-door-street", t("street"), {autocomplete: "off"}),
      error,
      h("div", {class: "cv-actions"}, h("button", {type: "submit", class: "btn primary"}, t("add")),
        h("button", {type: "button", class: "btn quiet", onclick: () => turfScreen(state.pkg.turf.id)}, t("cancel"))));
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      const number = form.querySelector("#cv-door-number").value.trim();
      const street = form.querySelector("#cv-door-street").value.trim();
      if (!number && !street) { error.textContent = t("door_needed"); return; }
      const event = {id: S.uuid(), type: "door", effort: state.pkg.effort.id, turf: state.pkg.turf.id,
        house_number: number, street};
      if (gpsFix && (await S.meta("gps", false))) Object.assign(event, {lat: gpsFix.lat, lon: gpsFix.lon});
      const door = {id: event.id, position: 99999, label: `${number} ${street}`.trim(), lat: event.lat ?? null,
        lon: event.lon ?? null, units: 1, knocks: 0, last_result: "", people: [], added_in_field: true};
      await S.record(event, {added: {id: event.id, kind: "door", turf: state.pkg.turf.id, door}});
      await refreshStatus();
      if (online()) syncNow(false);
      await doorScreen(state.pkg.turf.id, door.id);
    });
    locate();
    show(h("h1", {}, t("add_door")), form);
  }

  /* ---- start ------------------------------------------------------------------------------ */

  async function start() {
    try {
      await S.open();
    } catch (e) {
      show(h("p", {class: "cv-error"}, t("storage_failed")));
      return;
    }
    document.getElementById("cv-sync").addEventListener("click", () => syncNow(true));
    // back online: send what waits, and offer downloads again on the turf list
    window.addEventListener("online", async () => {
      await refreshStatus();
      await syncNow(false);
      if (onHome) await home();
    });
    window.addEventListener("offline", () => { if (onHome) home(); });
    window.addEventListener("offline", refreshStatus);
    setInterval(() => { if (online()) syncNow(false); }, 60000);
    await refreshStatus();
    await home();
    root.dataset.ready = "1";
    if (online()) syncNow(false);
    if ("serviceWorker" in navigator && URLS.sw) {
      navigator.serviceWorker.register(URLS.sw, {scope: URLS.sw.replace(/sw\.js$/, "")}).catch(() => {});
    }
  }

  start();
})();
