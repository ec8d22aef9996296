"use strict";
// Draws the admin dashboard's charts from the data the page carries in <script type="application/json">
// blocks (no inline script, so the Content-Security-Policy can stay at 'self').
document.querySelectorAll("canvas[data-chart]").forEach((canvas) => {
  const spec = JSON.parse(document.getElementById(canvas.dataset.chart).textContent);
  const stacked = Boolean(spec.stacked);
  new window.Chart(canvas, {
    type: spec.type,
    data: { labels: spec.labels, datasets: spec.datasets },
    options: {
      animation: false,
      indexAxis: spec.horizontal ? "y" : "x",
      responsive: true,
      maintainAspectRatio: false,
      scales: { x: { stacked }, y: { stacked, beginAtZero: true } },
      plugins: { legend: { position: "bottom" } },
    },
  });
  canvas.dataset.drawn = "true";
});
