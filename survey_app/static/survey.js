// Progressive enhancement of the survey pages; everything works without it.
// - keeps "X of N answered" and the progress bar up to date, and in view, while answering;
// - asks before leaving the page with answers not yet sent;
// - moves the focus to the error summary when a submit had too few answers.
(function () {
  "use strict";

  var form = document.querySelector("form.survey-form");
  var count = document.getElementById("answered-count");
  var bar = document.getElementById("answered-bar");
  var progress = document.getElementById("answered-progress");

  if (form && count) {
    var total = parseInt(count.getAttribute("data-total"), 10);

    var update = function () {
      // "Don't know" is not an answer on the scale, so it is not counted.
      var answered = form.querySelectorAll('input[type="radio"]:checked:not([value="dk"])').length;
      var text = answered + " of " + total + " answered";
      count.textContent = text;
      if (bar) {
        bar.value = answered;
        bar.textContent = text;
      }
    };
    form.addEventListener("change", update);
    update(); // a browser may have restored choices (back button)

    // Nothing is stored until the form is sent or saved: before leaving the page with
    // answers chosen and not sent, the browser asks whether to leave.
    // A page shown again after sending (too few answers, say) holds answers not stored yet.
    var unsent = form.getAttribute("data-unsent") === "true";
    form.addEventListener("change", function () { unsent = true; });
    form.addEventListener("input", function () { unsent = true; });
    form.addEventListener("submit", function () { unsent = false; });
    window.addEventListener("beforeunload", function (event) {
      if (unsent) {
        event.preventDefault();
        event.returnValue = ""; // older browsers need it set to show their question
      }
    });
    if (progress) {
      // Kept at the top of the screen while scrolling; whatever is scrolled into view (the
      // focused statement, a link from the error summary) lands below it, never under it.
      progress.classList.add("progress--live");
      var clearance = function () {
        document.documentElement.style.scrollPaddingTop = progress.offsetHeight + "px";
      };
      clearance();
      window.addEventListener("resize", clearance);
    }
  }

  var summary = document.getElementById("error-summary");
  if (summary) {
    summary.focus();
  }
})();
