/* The canvassing app's service worker (scope /canvass/): keeps the app shell and its static
   files so the app opens with no network. Pages: network first (a fresh shell when online),
   the kept copy when the network fails or is slow. Static files: the kept copy first.
   JSON endpoints and uploads are not touched: the app talks to the server itself. */
"use strict";
const CONFIG = {{ config|safe }};
const CACHE = "grassroots-canvass-" + CONFIG.version;
const SHELL = CONFIG.shell;
const SLOW_MS = 4000;

self.addEventListener("install", (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    // past the browser's HTTP cache: the files of this version, not an older copy
    await cache.addAll(CONFIG.assets.map((url) => new Request(url, {cache: "reload"})));
    const shell = await fetch(SHELL, {credentials: "same-origin", redirect: "follow"});
    if (shell.ok && !shell.redirected) await cache.put(SHELL, shell);
    await self.skipWaiting();
  })());
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    const names = await caches.keys();
    await Promise.all(names.filter((n) => n.startsWith("grassroots-canvass-") && n !== CACHE)
      .map((n) => caches.delete(n)));
    await self.clients.claim();
  })());
});

async function shellFirstFromNetwork(request) {
  const cache = await caches.open(CACHE);
  const network = fetch(request).then((response) => {
    // A redirect (to the sign-in page) is not the shell: keep the old one.
    if (response.ok && !response.redirected) cache.put(SHELL, response.clone());
    return response;
  });
  const timeout = new Promise((resolve) => setTimeout(resolve, SLOW_MS, null));
  try {
    const first = await Promise.race([network, timeout]);
    if (first) return first;
  } catch (e) { /* offline: the kept copy below */ }
  const kept = await cache.match(SHELL);
  if (kept) return kept;
  return network;
}

async function staticFirstFromCache(request) {
  const cache = await caches.open(CACHE);
  const kept = await cache.match(request, {ignoreSearch: true});
  if (kept) return kept;
  const response = await fetch(request);
  if (response.ok) cache.put(request, response.clone());
  return response;
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname === SHELL) {
    event.respondWith(shellFirstFromNetwork(request));
  } else if (url.pathname.startsWith(CONFIG.static)) {
    event.respondWith(staticFirstFromCache(request));
  }
});
