// Progressive enhancement of the survey pages; everything works without it.
// - keeps "X of N answered (D don't know)" and the progress bar up to date, and in view, while answering;
// - keeps the answers in progress in this tab's sessionStorage, so a page reopened in the same
//   tab (after a server error, say) gets them back; they are cleared once sent or saved;
// - asks before leaving the page with answers not yet sent;
// - moves the focus to the error summary when a submit had too few answers;
// - on the saved page, copies the resume link with one button.
(function () {
  "use strict";

  var PREFIX = "survey-answers:";
  var LAST = "survey-answers-last";

  // sessionStorage may be switched off (a strict privacy setting): then nothing is kept.
  var storage = (function () {
    try {
      var store = window.sessionStorage;
      store.setItem(PREFIX + "probe", "1");
      store.removeItem(PREFIX + "probe");
      return store;
    } catch (error) {
      return null;
    }
  })();

  // The key of a form: a short hash of its address, so the link's token is not written out.
  var keyOf = function (form) {
    var text = form.getAttribute("action") || window.location.pathname;
    var hash = 0x811c9dc5;
    for (var i = 0; i < text.length; i++) {
      hash ^= text.charCodeAt(i);
      hash = Math.imul(hash, 0x01000193) >>> 0;
    }
    return PREFIX + hash.toString(16);
  };

  var form = document.querySelector("form.survey-form");
  var count = document.getElementById("answered-count");
  var bar = document.getElementById("answered-bar");
  var progress = document.getElementById("answered-progress");

  var snapshot = function () {
    var answers = {};
    form.querySelectorAll('input[type="radio"]:checked').forEach(function (input) {
      answers[input.name] = input.value;
    });
    var comment = form.querySelector("textarea[name='comment']");
    return { answers: answers, comment: comment ? comment.value : "" };
  };

  var keep = function () {
    if (!storage) { return; }
    try {
      storage.setItem(keyOf(form), JSON.stringify(snapshot()));
    } catch (error) { /* full: nothing more is kept */ }
  };

  // Answers kept earlier in this tab for this form win over the page as loaded: they are
  // the newest the respondent chose. Returns whether anything was restored.
  var restore = function () {
    if (!storage) { return false; }
    var kept;
    try {
      kept = JSON.parse(storage.getItem(keyOf(form)) || "null");
    } catch (error) {
      return false;
    }
    if (!kept || typeof kept.answers !== "object") { return false; }
    Object.keys(kept.answers).forEach(function (name) {
      form.querySelectorAll('input[type="radio"]').forEach(function (input) {
        if (input.name === name && input.value === String(kept.answers[name])) {
          input.checked = true;
        }
      });
    });
    var comment = form.querySelector("textarea[name='comment']");
    if (comment && typeof kept.comment === "string") {
      comment.value = kept.comment;
    }
    return true;
  };

  if (form && count) {
    var total = parseInt(count.getAttribute("data-total"), 10);
    var dontKnowWords = count.getAttribute("data-dont-know") || "don't know";

    var update = function () {
      // "Don't know" is not an answer on the scale: it is counted apart, so a tap on it shows.
      var answered = form.querySelectorAll('input[type="radio"]:checked:not([value="dk"])').length;
      var dontKnow = form.querySelectorAll('input[type="radio"][value="dk"]:checked').length;
      var text = answered + " of " + total + " answered";
      if (dontKnow > 0) {
        text += " (" + dontKnow + " " + dontKnowWords + ")";
      }
      count.textContent = text;
      if (bar) {
        bar.value = answered;
        bar.textContent = text;
      }
    };
    var restored = restore();
    form.addEventListener("change", update);
    update(); // restored answers, or choices a browser restored itself (back button)

    form.addEventListener("change", keep);
    form.addEventListener("input", keep);

    // Nothing is stored until the form is sent or saved: before leaving the page with
    // answers chosen and not sent, the browser asks whether to leave.
    // A page shown again after sending (too few answers, say) holds answers not stored yet.
    var unsent = form.getAttribute("data-unsent") === "true" || restored;
    form.addEventListener("change", function () { unsent = true; });
    form.addEventListener("input", function () { unsent = true; });
    form.addEventListener("submit", function () {
      unsent = false;
      keep(); // kept until the thank-you or saved page says the server has them
      if (storage) {
        try { storage.setItem(LAST, keyOf(form)); } catch (error) { /* nothing more is kept */ }
      }
    });
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

  // The thank-you page: every answer kept in this tab is sent, so none is kept any longer.
  // The saved page: the answers of the form just saved are on the server now.
  var cleared = document.querySelector("[data-survey-clear]");
  if (cleared && storage) {
    if (cleared.getAttribute("data-survey-clear") === "all") {
      for (var i = storage.length - 1; i >= 0; i--) {
        var key = storage.key(i);
        if (key && key.indexOf(PREFIX) === 0) { storage.removeItem(key); }
      }
      storage.removeItem(LAST);
    } else {
      var last = storage.getItem(LAST);
      if (last) { storage.removeItem(last); }
      storage.removeItem(LAST);
    }
  }

  var summary = document.getElementById("error-summary");
  if (summary) {
    summary.focus();
  }

  // Copy buttons (hidden without JavaScript, where the read-only field can be selected instead).
  document.querySelectorAll("[data-copy]").forEach(function (button) {
    var field = document.getElementById(button.getAttribute("data-copy"));
    var status = document.getElementById(button.getAttribute("data-copy") + "-status");
    if (!field) { return; }
    var say = function (text) { if (status) { status.textContent = text; } };
    var fallback = function () {
      field.focus();
      field.select();
      var copied = false;
      try { copied = document.execCommand("copy"); } catch (error) { copied = false; }
      say(copied ? "Link copied." : "Press Ctrl+C (or ⌘+C) to copy the selected link.");
    };
    button.hidden = false;
    field.addEventListener("focus", function () { field.select(); });
    button.addEventListener("click", function () {
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(field.value).then(function () { say("Link copied."); }, fallback);
      } else {
        fallback();
      }
    });
  });
})();
