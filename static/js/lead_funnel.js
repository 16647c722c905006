// The lead funnel draws its charts from the figures the page carries; the tables beneath them hold the same
// numbers for those who read rather than look.
(function () {
  var source = document.getElementById("funnel-data");
  if (!source || typeof Chart === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var labels = data.labels;

  function draw(id, type, xLabels, datasets, options) {
    var canvas = document.getElementById(id);
    if (!canvas) { return; }
    new Chart(canvas, {
      type: type,
      data: { labels: xLabels, datasets: datasets },
      options: Object.assign({ responsive: true, maintainAspectRatio: false, animation: false }, options || {})
    });
  }

  function byStep(counts) {
    return data.steps.map(function (step) { return { label: labels[step], data: counts[step] }; });
  }

  draw("chart-funnel", "bar", data.steps.map(function (step) { return labels[step]; }), [
    { label: labels.taken, data: data.total }
  ], { plugins: { legend: { display: false } } });
  draw("chart-sources", "bar", data.sources, byStep(data.source_counts));
  draw("chart-branches", "bar", data.branches, byStep(data.branch_counts), { indexAxis: "y" });
  draw("chart-lost", "bar", data.lost, [{ label: labels.lost, data: data.lost_counts }], { indexAxis: "y" });
})();
