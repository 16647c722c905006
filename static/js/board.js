// The fill board refreshes itself every few seconds, without reloading the page.
(function () {
  var board = document.getElementById("board");
  if (!board) { return; }
  function refresh() {
    fetch(board.dataset.boardUrl, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) { if (html) { board.innerHTML = html; } })
      .catch(function () { /* offline for a moment: try again next time */ });
  }
  setInterval(refresh, 2000);
})();
