// A lead is marked viewed by a POST once its page is shown to a person (never by the GET,
// which link previews and prefetches also send). Without JavaScript the button does it.
document.querySelectorAll("form[data-mark-viewed]").forEach((form) => {
  fetch(window.location.pathname, {
    method: "POST",
    body: new FormData(form),
    credentials: "same-origin",
    headers: { "X-Requested-With": "fetch" },
  }).then((response) => {
    // Shown again, with its new status ("Consultée") and the actions that follow.
    if (response.ok) window.location.reload();
  });
});
