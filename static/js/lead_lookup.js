// The intake screen: as the agent types the caller's phone, show at once a client or an open
// lead with that number (GET /leads/lookup). Without script the "Look up" button does the same.
(function () {
  var input = document.querySelector("[data-lookup]");
  var card = document.getElementById("caller-card");
  if (!input || !card) { return; }
  var timer = null, asked = "";

  function line(text, href, testid) {
    var li = document.createElement("li");
    li.dataset.testid = testid;
    if (href) {
      var a = document.createElement("a");
      a.href = href;
      a.textContent = text;
      li.appendChild(a);
    } else {
      li.textContent = text;
    }
    return li;
  }

  function show(data) {
    var list = document.createElement("ul");
    data.clients.forEach(function (c) {
      list.appendChild(line(card.dataset.clientWord + ": " + c.name + (c.franchise ? " · " + c.franchise : ""), null, "known-client"));
    });
    data.leads.forEach(function (l) {
      list.appendChild(line(card.dataset.leadWord + " " + l.id + ": " + l.caller + (l.company ? " · " + l.company : ""), l.url, "open-lead"));
    });
    card.replaceChildren();
    if (list.children.length) {
      var h = document.createElement("h2");
      h.textContent = card.dataset.knownWord;
      card.append(h, list);
    } else {
      var p = document.createElement("p");
      p.className = "muted";
      p.textContent = card.dataset.newWord;
      card.appendChild(p);
    }
  }

  function ask() {
    var phone = input.value.trim();
    if (phone === asked) { return; }
    asked = phone;
    fetch(input.dataset.lookup + "?phone=" + encodeURIComponent(phone), {credentials: "same-origin"})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) { if (data && phone === asked) { show(data); } })
      .catch(function () {});
  }

  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(ask, 150);
  });
})();
