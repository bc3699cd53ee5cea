/* The canvassing app's storage on the phone (IndexedDB "grassroots-canvass").

   Stores:
   - turfs:   one downloaded turf package per turf id (doors, people, script, result codes);
   - outbox:  every action as an event with its UUID, in the order made (key: seq). An event
              leaves the outbox only once the server answered applied, duplicate or rejected;
   - visits:  what this phone recorded (door, person, result, time), to show knocked doors
              before and after sync;
   - added:   people and doors added in the field, shown at their door until the next download;
   - meta:    device id, last sync time, GPS consent, rejected events (with the reason);
   - quarantine: entries that could not be read, kept (never deleted) and reported.
   Nothing here depends on the network. */
(function () {
  "use strict";
  const DB_NAME = "grassroots-canvass";
  const VERSION = 1;
  let opened = null;

  function req(r) {
    return new Promise((resolve, reject) => {
      r.onsuccess = () => resolve(r.result);
      r.onerror = () => reject(r.error);
    });
  }

  function open() {
    if (opened) return opened;
    opened = new Promise((resolve, reject) => {
      let r;
      try {
        r = indexedDB.open(DB_NAME, VERSION);
      } catch (e) {
        reject(e);
        return;
      }
      r.onupgradeneeded = () => {
        const db = r.result;
        if (!db.objectStoreNames.contains("turfs")) db.createObjectStore("turfs");
        if (!db.objectStoreNames.contains("outbox")) db.createObjectStore("outbox", {keyPath: "seq", autoIncrement: true});
        if (!db.objectStoreNames.contains("visits")) db.createObjectStore("visits", {keyPath: "id"});
        if (!db.objectStoreNames.contains("added")) db.createObjectStore("added", {keyPath: "id"});
        if (!db.objectStoreNames.contains("meta")) db.createObjectStore("meta");
        if (!db.objectStoreNames.contains("quarantine")) db.createObjectStore("quarantine", {autoIncrement: true});
      };
      r.onsuccess = () => resolve(r.result);
      r.onerror = () => reject(r.error);
      r.onblocked = () => reject(new Error("blocked"));
    });
    return opened;
  }

  async function tx(stores, mode, work) {
    const db = await open();
    return new Promise((resolve, reject) => {
      const t = db.transaction(stores, mode);
      let out;
      t.oncomplete = () => resolve(out);
      t.onerror = () => reject(t.error);
      t.onabort = () => reject(t.error || new Error("aborted"));
      Promise.resolve(work(t)).then((v) => { out = v; }, (e) => { try { t.abort(); } catch (x) { /* done */ } reject(e); });
    });
  }

  function all(store) {
    // [key, value] pairs, in key order.
    return new Promise((resolve, reject) => {
      const out = [];
      const c = store.openCursor();
      c.onsuccess = () => {
        const cur = c.result;
        if (!cur) { resolve(out); return; }
        out.push([cur.primaryKey, cur.value]);
        cur.continue();
      };
      c.onerror = () => reject(c.error);
    });
  }

  function uuid() {
    if (self.crypto && crypto.randomUUID) return crypto.randomUUID();
    const b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
    const h = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }

  const validEvent = (v) => v && typeof v === "object" && v.event && typeof v.event === "object"
    && typeof v.event.id === "string" && typeof v.event.type === "string";
  const validTurf = (v) => v && typeof v === "object" && v.turf && Array.isArray(v.doors)
    && Array.isArray(v.people) && v.script && Array.isArray(v.script.blocks);

  async function quarantine(t, from, key, value, why) {
    let copy;
    try { copy = JSON.parse(JSON.stringify(value === undefined ? null : value)); } catch (e) { copy = String(value); }
    t.objectStore("quarantine").add({from, key, value: copy, why, at: new Date().toISOString()});
  }

  const Store = {
    uuid,
    open,

    async meta(key, fallback) {
      const v = await tx(["meta"], "readonly", (t) => req(t.objectStore("meta").get(key)));
      return v === undefined ? fallback : v;
    },
    setMeta(key, value) {
      return tx(["meta"], "readwrite", (t) => req(t.objectStore("meta").put(value, key)));
    },
    async device() {
      let id = await Store.meta("device", null);
      if (!id) { id = uuid(); await Store.setMeta("device", id); }
      return id;
    },

    /* Turf packages; an unreadable one is moved to quarantine and reported, not fatal. */
    saveTurf(pkg) {
      return tx(["turfs"], "readwrite", (t) => req(t.objectStore("turfs").put(pkg, pkg.turf.id)));
    },
    async turfs() {
      let bad = 0;
      const good = await tx(["turfs", "quarantine"], "readwrite", async (t) => {
        const rows = await all(t.objectStore("turfs"));
        const out = [];
        for (const [key, value] of rows) {
          if (validTurf(value)) { out.push(value); continue; }
          bad += 1;
          await quarantine(t, "turfs", key, value, "unreadable turf");
          t.objectStore("turfs").delete(key);
        }
        return out;
      });
      return {turfs: good, corrupt: bad};
    },
    async turf(id) {
      const v = await tx(["turfs"], "readonly", (t) => req(t.objectStore("turfs").get(Number(id))));
      return validTurf(v) ? v : null;
    },
    dropTurf(id) {
      return tx(["turfs"], "readwrite", (t) => req(t.objectStore("turfs").delete(Number(id))));
    },

    /* The outbox: an event is written here first, before anything is shown as done. */
    async record(event, extra) {
      event.id = event.id || uuid();
      await tx(["outbox", "visits", "added"], "readwrite", (t) => {
        t.objectStore("outbox").add({event, made: new Date().toISOString()});
        if (extra && extra.visit) t.objectStore("visits").put(extra.visit);
        if (extra && extra.added) t.objectStore("added").put(extra.added);
      });
      return event;
    },
    /* Readable events in order, and how many unreadable entries were set aside. */
    async outbox() {
      let bad = 0;
      const events = await tx(["outbox", "quarantine"], "readwrite", async (t) => {
        const rows = await all(t.objectStore("outbox"));
        const out = [];
        for (const [key, value] of rows) {
          if (validEvent(value)) { out.push({seq: key, event: value.event}); continue; }
          bad += 1;
          await quarantine(t, "outbox", key, value, "unreadable event");
          t.objectStore("outbox").delete(key);
        }
        return out;
      });
      return {events, corrupt: bad};
    },
    pendingCount() {
      return tx(["outbox"], "readonly", (t) => req(t.objectStore("outbox").count()));
    },
    removeSent(seqs) {
      return tx(["outbox"], "readwrite", (t) => { seqs.forEach((s) => t.objectStore("outbox").delete(s)); });
    },
    async visits() {
      const rows = await tx(["visits"], "readonly", (t) => all(t.objectStore("visits")));
      return rows.map((r) => r[1]).filter((v) => v && typeof v === "object" && v.door !== undefined);
    },
    markVisits(ids, status) {
      return tx(["visits"], "readwrite", async (t) => {
        const s = t.objectStore("visits");
        for (const id of ids) {
          const v = await req(s.get(id));
          if (v) { v.status = status; s.put(v); }
        }
      });
    },
    async added() {
      const rows = await tx(["added"], "readonly", (t) => all(t.objectStore("added")));
      return rows.map((r) => r[1]).filter((v) => v && typeof v === "object" && v.kind);
    },
    /* After a fresh download: people and doors added here that the server now has (their
       event left the outbox) come with the package; drop the local copies. */
    pruneAdded(turfId, pendingIds) {
      return tx(["added"], "readwrite", async (t) => {
        const store = t.objectStore("added");
        for (const [key, value] of await all(store)) {
          if (value && value.turf === turfId && !pendingIds.has(value.id)) store.delete(key);
        }
      });
    },
    async rejected() {
      const list = await Store.meta("rejected", []);
      return Array.isArray(list) ? list : [];
    },
    async addRejected(items) {
      const list = await Store.rejected();
      await Store.setMeta("rejected", list.concat(items).slice(-200));
    },
    async quarantined() {
      return tx(["quarantine"], "readonly", (t) => req(t.objectStore("quarantine").count()));
    },
  };

  window.GrCanvassStore = Store;
})();
