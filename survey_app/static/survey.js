// Progressive enhancement of the survey pages; everything works without it.
// - keeps "X of N answered" and the progress bar up to date while choosing answers;
// - moves the focus to the error summary when a submit had too few answers.
(function () {
  "use strict";

  var form = document.querySelector("form.survey-form");
  var count = document.getElementById("answered-count");
  var bar = document.getElementById("answered-bar");

  if (form && count) {
    var total = parseInt(count.getAttribute("data-total"), 10);
    var elsewhere = parseInt(form.getAttribute("data-answered-elsewhere"), 10) || 0;

    var update = function () {
      // "Don't know" is not an answer on the scale, so it is not counted.
      var checked = form.querySelectorAll('input[type="radio"]:checked:not([value="dk"])').length;
      var answered = elsewhere + checked;
      var text = answered + " of " + total + " answered";
      count.textContent = text;
      if (bar) {
        bar.value = answered;
        bar.textContent = text;
      }
    };
    form.addEventListener("change", update);
  }

  var summary = document.getElementById("error-summary");
  if (summary) {
    summary.focus();
  }
})();
