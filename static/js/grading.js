// Per-question chart on the grading page. The table next to it stays the source of truth
// (and the fallback without JavaScript or Chart.js).
(function () {
  "use strict";
  var canvas = document.getElementById("question-chart");
  var data = document.getElementById("question-stats");
  if (!canvas || !data || typeof window.Chart === "undefined") return;
  var stats = JSON.parse(data.textContent);
  if (!stats.some(function (row) { return row.graded > 0; })) return;
  canvas.hidden = false;
  new window.Chart(canvas, {
    type: "bar",
    data: {
      labels: stats.map(function (row) { return "Q" + row.question; }),
      datasets: [{
        label: "% correct",
        data: stats.map(function (row) { return row.percent === null ? 0 : row.percent; }),
        backgroundColor: stats.map(function (row) {
          return row.percent === null ? "#adb5bd" : row.percent >= 80 ? "#198754" : row.percent >= 50 ? "#ffc107" : "#dc3545";
        })
      }]
    },
    options: {
      animation: false,
      plugins: { legend: { display: false } },
      scales: { y: { min: 0, max: 100, title: { display: true, text: "% correct" } } }
    }
  });
})();
