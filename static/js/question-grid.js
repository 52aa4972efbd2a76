// Grade by question: each answer box is a keyboard control. Enter accepts what is shown,
// + / - mark it correct or incorrect, Esc returns to the reading. Saved through the API.
(function () {
  "use strict";
  var status = document.getElementById("grid-status");
  var token = document.querySelector("input[name=csrfmiddlewaretoken]");

  function send(card, item) {
    item.question = Number(card.dataset.question);
    return fetch(card.dataset.api, {
      method: "PATCH", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": token ? token.value : "", Accept: "application/json" },
      body: JSON.stringify({ answers: [item] })
    }).then(function (response) {
      return response.json().then(function (data) { return { ok: response.ok, data: data }; });
    }).then(function (result) {
      var name = card.querySelector("a").textContent;
      if (!result.ok) { status.textContent = name + ": not saved."; card.classList.add("border-danger"); return; }
      var answer = result.data.answers.filter(function (a) { return a.question === item.question; })[0];
      card.querySelector(".mark").innerHTML = answer.correct
        ? '<span class="badge text-bg-success">correct</span>' : '<span class="badge text-bg-danger">incorrect</span>';
      if (answer.overridden) card.querySelector(".mark").insertAdjacentHTML("beforeend", ' <span class="badge text-bg-info">overridden</span>');
      card.querySelector(".grid-answer").value = answer.predicted;
      card.classList.remove("border-danger");
      card.classList.add("border-success");
      status.textContent = name + ": " + (answer.predicted || "no answer") + ", " + (answer.correct ? "correct" : "incorrect") + ".";
    });
  }

  function next(input) {
    var all = Array.prototype.slice.call(document.querySelectorAll(".grid-answer"));
    var following = all[all.indexOf(input) + 1];
    if (following) following.focus();
  }

  document.addEventListener("keydown", function (event) {
    var input = event.target;
    if (!input.classList || !input.classList.contains("grid-answer")) return;
    var card = input.closest(".grid-card");
    if (event.key === "Enter") {
      event.preventDefault();
      send(card, { predicted: input.value.trim() }).then(function () { next(input); });
    } else if (event.key === "+" || event.key === "-") {
      event.preventDefault();
      send(card, { correct: event.key === "+" }).then(function () { next(input); });
    } else if (event.key === "Escape") {
      event.preventDefault();
      input.value = card.dataset.reading;
      send(card, { clear: true });
    }
  });
})();
