// Maps on the worker card and form: Leaflet with OpenStreetMap tiles. Offline the tiles
// stay grey, but the marker still shows and a click still fills in the coordinates.
(function () {
  if (typeof L === "undefined") { return; }
  document.querySelectorAll("[data-map]").forEach(function (el) {
    var lat = parseFloat(el.dataset.lat), lon = parseFloat(el.dataset.lon);
    var has = !isNaN(lat) && !isNaN(lon);
    var centre = has ? [lat, lon] : [parseFloat(el.dataset.centerLat) || 55.7558, parseFloat(el.dataset.centerLon) || 37.6173];
    var map = L.map(el).setView(centre, has ? 13 : 10);
    L.tileLayer("https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png", {
      maxZoom: 18, attribution: "&copy; OpenStreetMap"
    }).addTo(map);
    var marker = has ? L.marker(centre).addTo(map) : null;
    if (el.dataset.pick !== undefined) {
      var latInput = document.getElementById(el.dataset.latInput);
      var lonInput = document.getElementById(el.dataset.lonInput);
      map.on("click", function (e) {
        var p = e.latlng;
        latInput.value = p.lat.toFixed(6);
        lonInput.value = p.lng.toFixed(6);
        if (marker) { marker.setLatLng(p); } else { marker = L.marker(p).addTo(map); }
      });
    }
  });
})();
