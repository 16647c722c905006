// The head-office dashboard and the partner portal draw their charts from the figures the page carries; the tables beneath them
// hold the same numbers for those who read rather than look.
(function () {
  var source = document.getElementById("dashboard-data");
  if (!source || typeof Chart === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var labels = data.labels;

  function numbers(list) {  // a page draws the charts it has canvases for, with the figures it carries
    return (list || []).map(function (value) { return value === null ? null : Number(value); });
  }

  function draw(id, type, xLabels, datasets, options) {
    var canvas = document.getElementById(id);
    if (!canvas) { return; }
    new Chart(canvas, {
      type: type,
      data: { labels: xLabels, datasets: datasets },
      options: Object.assign({ responsive: true, maintainAspectRatio: false, animation: false }, options || {})
    });
  }

  draw("chart-turnover", "bar", data.months, [
    { label: labels.turnover, data: numbers(data.turnover) },
    { label: labels.royalty, data: numbers(data.royalty) }
  ]);
  draw("chart-regions", "bar", data.regions, [
    { label: labels.turnover, data: numbers(data.region_turnover) },
    { label: labels.royalty, data: numbers(data.region_royalty) }
  ]);
  draw("chart-ranking", "bar", data.franchises, [
    { label: labels.turnover, data: numbers(data.franchise_turnover) }
  ], { indexAxis: "y" });
  draw("chart-dues", "bar", data.months, [
    { label: labels.due, data: numbers(data.due) },
    { label: labels.paid, data: numbers(data.paid) }
  ]);
  draw("chart-fill", "line", data.months, [
    { label: labels.fill_rate, data: numbers(data.fill_rate), spanGaps: true },
    { label: labels.no_show_rate, data: numbers(data.no_show_rate), spanGaps: true }
  ], { scales: { y: { min: 0, max: 100 } } });
})();
