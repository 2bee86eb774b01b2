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
