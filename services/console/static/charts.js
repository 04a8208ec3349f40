// The leaders' overview charts, drawn by Chart.js (vendored, served by the console) from the page's
// JSON block; the tables beside each chart carry the same figures for screen readers and for print.
"use strict";

// Bars count cases: the value axis starts at zero and ticks at whole numbers only. Chart.js would otherwise
// split a small maximum (0, 1 or 2 cases) into halves or tenths; precision 0 rounds its step up to a whole 1.
const countScales = () => ({ y: { beginAtZero: true, ticks: { precision: 0 } } });

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
      options: {
        animation: false,
        plugins: { legend: { display: type !== "bar" } },
        ...(type === "bar" ? { scales: countScales() } : {}),
      },
    });
  };
  draw("chart-sources", "bar", data.sources, "件数");
  draw("chart-statuses", "doughnut", data.statuses, "件数");
  draw("chart-ratings", "doughnut", data.ratings, "件数");
  draw("chart-results", "bar", data.results, "件数");
});

// The report section's grouped bars (受理/办结/化解 by source and by category), from its own JSON block.
document.addEventListener("DOMContentLoaded", () => {
  const source = document.getElementById("report-chart-data");
  if (!source || typeof Chart === "undefined") return;
  const data = JSON.parse(source.textContent);
  const colours = ["#1f5fa8", "#b35c00", "#2e8540"];
  const draw = (id, chart) => {
    const canvas = document.getElementById(id);
    if (!canvas || !chart) return;
    new Chart(canvas, {
      type: "bar",
      data: {
        labels: chart.labels,
        datasets: chart.series.map((s, i) => ({ label: s.label, data: s.values, backgroundColor: colours[i] })),
      },
      options: { animation: false, plugins: { legend: { display: true } }, scales: countScales() },
    });
  };
  draw("chart-report-sources", data.sources);
  draw("chart-report-categories", data.categories);
});
