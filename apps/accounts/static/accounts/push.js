// Web Push on the notifications page: an enhancement. Without JavaScript, or in a browser
// without service workers and PushManager, the button stays hidden and the form still works.
(function () {
  "use strict";
  var box = document.querySelector("[data-push]");
  if (!box || !("serviceWorker" in navigator) || !("PushManager" in window)) return;
  var button = box.querySelector("[data-push-button]");
  var status = box.querySelector("[data-push-status]");
  var csrf = document.querySelector("input[name=csrfmiddlewaretoken]");

  function urlBase64ToUint8Array(value) {
    var padded = (value + "===".slice((value.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
    var raw = atob(padded);
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
    return bytes;
  }

  function say(text) { status.textContent = text; }

  button.hidden = false;
  button.addEventListener("click", function () {
    button.disabled = true;
    Notification.requestPermission().then(function (permission) {
      if (permission !== "granted") throw new Error("refused");
      return navigator.serviceWorker.register(box.dataset.worker, { scope: "/" });
    }).then(function () {
      return navigator.serviceWorker.ready;
    }).then(function (registration) {
      return registration.pushManager.subscribe({
        userVisibleOnly: true,
        applicationServerKey: urlBase64ToUint8Array(box.dataset.vapidKey)
      });
    }).then(function (subscription) {
      return fetch(box.dataset.subscribeUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrf ? csrf.value : "" },
        body: JSON.stringify(subscription.toJSON())
      });
    }).then(function (response) {
      if (!response.ok) throw new Error("server");
      say("Cet appareil recevra une notification à chaque nouvelle demande.");
      window.location.reload();
    }).catch(function (error) {
      button.disabled = false;
      say(error && error.message === "refused"
        ? "Les notifications sont bloquées dans votre navigateur : autorisez-les pour ce site."
        : "L'abonnement n'a pas abouti. Réessayez plus tard.");
    });
  });
})();
