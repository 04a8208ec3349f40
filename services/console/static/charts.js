// The leaders' overview charts, drawn by Chart.js (vendored, served by the console) from the page's
// JSON block; the tables beside each chart carry the same figures for screen readers and for print.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  const source = document.getElementById("chart-data");
  if (!source || typeof Chart === "undefined") return;
  const data = JSON.parse(source.textContent);
  const palette = [
    "#1f5fa8", "#2e8540", "#b35c00", "#7a3ea1", "#b3261e", "#00758a", "#5c5c5c", "#a86b00", "#3d6b00", "#8c3b5e",
  ];
  const draw = (id, type, series, label) => {
    const canvas = document.getElementById(id);
    if (!canvas) return;
    new Chart(canvas, {
      type,
      data: {
        labels: series.labels,
        datasets: [{ label, data: series.values, backgroundColor: palette.slice(0, series.values.length) }],
      },
      options: { animation: false, plugins: { legend: { display: type !== "bar" } } },
    });
  };
  draw("chart-sources", "bar", data.sources, "件数");
  draw("chart-statuses", "doughnut", data.statuses, "件数");
  draw("chart-ratings", "doughnut", data.ratings, "件数");
  draw("chart-results", "bar", data.results, "件数");
});
