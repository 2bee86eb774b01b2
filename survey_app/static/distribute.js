// Copy buttons for the survey links. Without JavaScript (or without clipboard access)
// the buttons stay hidden and the read-only text fields can be selected and copied.
(function () {
  "use strict";

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
