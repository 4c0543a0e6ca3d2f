// Eldo's service worker (served from the site root so that its scope is the whole site):
// shows the Web Push notifications of new leads and opens the lead when one is clicked.
self.addEventListener("push", function (event) {
  var data = {};
  try { data = event.data ? event.data.json() : {}; } catch (e) { data = { body: event.data.text() }; }
  event.waitUntil(self.registration.showNotification(data.title || "Eldo", {
    body: data.body || "",
    tag: data.tag || undefined,
    data: { url: data.url || "/espace-pro/demandes/" }
  }));
});

self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  var url = new URL((event.notification.data && event.notification.data.url) || "/", self.location.origin);
  if (url.origin !== self.location.origin) return;  // only our own pages
  event.waitUntil(self.clients.openWindow(url.href));
});
