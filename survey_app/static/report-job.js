// Progress of a report made in the background: ask the server every few seconds and move
// the bar; reload the page once the report is ready or has failed. Without JavaScript the
// page's "Refresh" link does the same by hand.
(function () {
  "use strict";

  var box = document.getElementById("report-job");
  if (!box || !window.fetch) {
    return;
  }
  var url = box.getAttribute("data-progress-url");
  var bar = document.getElementById("report-job-bar");
  var message = document.getElementById("report-job-message");
  var percent = document.getElementById("report-job-percent");
  var status = document.getElementById("report-job-status");
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
          status.textContent = data.status === "done" ? "The report is ready." : "The report could not be made.";
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
