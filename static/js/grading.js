// Per-question chart on the grading page. The table next to it stays the source of truth
// (and the fallback without JavaScript or Chart.js). live.js swaps the table and its JSON
// when pages are graded; the chart follows on its "digitsight:live" event.
(function () {
  "use strict";
  var canvas = document.getElementById("question-chart");
  if (!canvas || typeof window.Chart === "undefined") return;
  var chart = null;

  function colour(row) {
    return row.percent === null ? "#adb5bd" : row.percent >= 80 ? "#198754" : row.percent >= 50 ? "#ffc107" : "#dc3545";
  }

  function draw() {
    var data = document.getElementById("question-stats");
    if (!data) return;
    var stats = JSON.parse(data.textContent);
    if (!stats.some(function (row) { return row.graded > 0; })) return;
    canvas.hidden = false;
    var labels = stats.map(function (row) { return "Q" + row.question; });
    var values = stats.map(function (row) { return row.percent === null ? 0 : row.percent; });
    if (chart) {
      chart.data.labels = labels;
      chart.data.datasets[0].data = values;
      chart.data.datasets[0].backgroundColor = stats.map(colour);
      chart.update();
      return;
    }
    chart = new window.Chart(canvas, {
      type: "bar",
      data: { labels: labels, datasets: [{ label: "% correct", data: values, backgroundColor: stats.map(colour) }] },
      options: {
        animation: false,
        plugins: { legend: { display: false } },
        scales: { y: { min: 0, max: 100, title: { display: true, text: "% correct" } } }
      }
    });
  }

  draw();
  document.addEventListener("digitsight:live", draw);
  window.digitsightChart = function () { return chart; };
})();
