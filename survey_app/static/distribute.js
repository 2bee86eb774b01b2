// The distribution page: the focus on a refused list's problems, and copy buttons for the
// survey links. Without JavaScript (or without clipboard access) the buttons stay hidden and
// the read-only text fields can be selected and copied.
(function () {
  "use strict";

  // A refused list of people: the summary of its problems, at the top, takes the focus.
  var summary = document.getElementById("error-summary");
  if (summary) {
    if (document.activeElement !== summary) {
      summary.focus();
    }
    // A link to a field puts the cursor in it, not only the field in view.
    summary.querySelectorAll("a[href^='#']").forEach(function (link) {
      link.addEventListener("click", function (event) {
        var field = document.getElementById(link.getAttribute("href").slice(1));
        if (field) {
          event.preventDefault();
          field.scrollIntoView({ block: "center" });
          field.focus();
        }
      });
    });
  }

  document.querySelectorAll("input[data-copy-source]").forEach(function (input) {
    input.addEventListener("focus", function () { input.select(); });
  });

  if (!navigator.clipboard || !window.isSecureContext) {
    return;
  }
  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    var input = document.getElementById(button.getAttribute("data-copy"));
    var status = document.getElementById(button.getAttribute("data-status"));
    if (!input) {
      return;
    }
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(input.value).then(
        function () {
          if (status) { status.textContent = "Link copied."; }
        },
        function () {
          input.focus();
          input.select();
          if (status) { status.textContent = "Could not copy: the link is selected, press Ctrl+C (or Cmd+C)."; }
        }
      );
    });
  });
})();

// Invitations sent by the background worker: ask the server every few seconds how far it is
// and move the bar; reload once it is done. Without JavaScript the page's "Refresh" link does
// the same by hand.
(function () {
  "use strict";

  var box = document.getElementById("mail-job");
  if (!box || !window.fetch) {
    return;
  }
  var url = box.getAttribute("data-progress-url");
  var bar = document.getElementById("mail-job-bar");
  var message = document.getElementById("mail-job-message");
  var percent = document.getElementById("mail-job-percent");
  var status = document.getElementById("mail-job-status");
  var INTERVAL = 2000;

  function poll() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.json();
      })
      .then(function (data) {
        bar.value = data.progress;
        bar.textContent = data.progress + " %";
        percent.textContent = data.progress + " %";
        message.textContent = data.message;
        if (data.finished) {
          status.textContent = "Sending has finished.";
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
