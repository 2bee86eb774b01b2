// Progress of a job made in the background (a report, a round of e-mails): ask the server
// every few seconds how far it is and move the bar; reload the page once the job has
// finished. Without JavaScript the page's "Refresh" link does the same by hand. The page
// marks the bar with data-progress-url (see templates/_job_progress.html).
(function () {
  "use strict";

  var box = document.querySelector("[data-progress-url]");
  if (!box || !window.fetch) {
    return;
  }
  var url = box.getAttribute("data-progress-url");
  var bar = document.getElementById(box.id + "-bar");
  var message = document.getElementById(box.id + "-message");
  var percent = document.getElementById(box.id + "-percent");
  var status = document.getElementById(box.id + "-status");
  var INTERVAL = 2000;

  function show(data) {
    bar.value = data.progress;
    bar.textContent = data.progress + " %";
    percent.textContent = data.progress + " %";
    message.textContent = data.message;
  }

  function poll() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.json();
      })
      .then(function (data) {
        show(data);
        if (data.finished) {
          var failed = data.status === "failed";
          status.textContent = box.getAttribute(failed ? "data-failed-text" : "data-done-text");
          window.location.reload();
        } else {
          window.setTimeout(poll, INTERVAL);
        }
      })
      .catch(function () {
        // A passing network error: try again a little later.
        window.setTimeout(poll, INTERVAL * 3);
      });
  }

  window.setTimeout(poll, INTERVAL);
})();
