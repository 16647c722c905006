// The intake screen asks for calls every few seconds (POST /leads/calls/poll): that is what makes the
// agent free to take one. A call put on his screen opens it with the caller's card, unless he is typing
// a lead of his own: then a notice says the call is there. The waiting calls' list follows along.
(function () {
  var el = document.querySelector("[data-call-poll]");
  if (!el) { return; }
  var every = (parseInt(el.dataset.every, 10) || 3) * 1000;
  var current = el.dataset.currentCall || "";
  var form = document.querySelector("[data-testid=lead-form]");
  var typed = false;
  if (form) { form.addEventListener("input", function () { typed = true; }); }
  var list = document.getElementById("waiting-calls");
  var notice = document.querySelector("[data-testid=incoming-call]");

  function waitingItem(call) {
    var li = document.createElement("li");
    li.dataset.testid = "waiting-call";
    li.appendChild(document.createTextNode(call.display + " · " + new Date(call.received_at).toLocaleTimeString() + " "));
    var take = document.createElement("form");
    take.method = "post";
    take.action = call.take_url;
    take.className = "inline";
    var token = document.createElement("input");
    token.type = "hidden";
    token.name = "csrf_token";
    token.value = el.dataset.csrf;
    var button = document.createElement("button");
    button.type = "submit";
    button.textContent = el.dataset.takeWord;
    take.append(token, button);
    li.appendChild(take);
    return li;
  }

  function show(data) {
    if (data.call && String(data.call.id) !== current) {
      if (!typed) { window.location.assign(data.call.url); return; }
      if (notice) { notice.hidden = false; }
    }
    if (!data.call && current && !typed) { window.location.assign(el.dataset.takeUrl); return; }  // the call left his screen
    if (!list) { return; }
    list.replaceChildren();
    data.waiting.forEach(function (call) { list.appendChild(waitingItem(call)); });
    if (!data.waiting.length) {
      var none = document.createElement("li");
      none.className = "muted";
      none.textContent = el.dataset.noneWord;
      list.appendChild(none);
    }
  }

  function poll() {
    fetch(el.dataset.callPoll, {method: "POST", credentials: "same-origin",
                                headers: {"X-CSRFToken": el.dataset.csrf, "Accept": "application/json"}})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) { if (data) { show(data); } })
      .catch(function () {})
      .then(function () { setTimeout(poll, every); });
  }

  poll();
})();
