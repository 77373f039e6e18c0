// modelyard dashboard: small progressive enhancements; every page works without them.
//   [data-poll]     fetch its URL every data-interval ms, put the answer into data-replace
//   form[data-partial]  submit in the background, the answer goes into the target
//   form[data-upload]   upload with a progress bar (XMLHttpRequest progress events)
//   [data-tail]     follow new log lines of the logs page
(function () {
  "use strict";
  var csrf = document.querySelector('meta[name="csrf-token"]').content;

  function put(target, html) {
    target.innerHTML = html;
    activate(target);
  }

  function poll(el) {
    var target = document.querySelector(el.dataset.replace || "") || el;
    var wait = parseInt(el.dataset.interval || "1000", 10);
    setTimeout(function () {
      if (!document.body.contains(el)) return;
      fetch(el.dataset.poll, { headers: { "X-Partial": "1" }, credentials: "same-origin" })
        .then(function (r) { return r.text(); })
        .then(function (html) { put(target, html); })
        .catch(function () { poll(el); });
    }, wait);
  }

  function partial(form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var target = document.querySelector(form.dataset.partial);
      var data = new FormData(form);
      var request;
      if (form.dataset.method === "get") {
        var url = form.action + "?" + new URLSearchParams(data).toString();
        history.replaceState(null, "", url);
        request = fetch(url, { headers: { "X-Partial": "1" }, credentials: "same-origin" });
      } else {
        request = fetch(form.action, {
          method: "POST", body: data, credentials: "same-origin",
          headers: { "X-Partial": "1", "X-CSRF-Token": csrf },
        });
      }
      target.setAttribute("aria-busy", "true");
      request.then(function (r) { return r.text(); }).then(function (html) {
        target.removeAttribute("aria-busy");
        put(target, html);
      });
    });
  }

  function upload(form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var target = document.querySelector(form.dataset.upload);
      var bar = document.querySelector(form.dataset.progress);
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      xhr.setRequestHeader("X-Partial", "1");
      xhr.setRequestHeader("X-CSRF-Token", csrf);
      bar.hidden = false;
      bar.value = 0;
      xhr.upload.addEventListener("progress", function (e) {
        if (e.lengthComputable) bar.value = Math.round((100 * e.loaded) / e.total);
      });
      xhr.addEventListener("load", function () {
        bar.value = 100;
        put(target, xhr.responseText);
      });
      xhr.send(new FormData(form));
    });
  }

  function tail(box) {
    // new lines as server-sent events from <logs URL>/tail, after the last line shown
    var source = null;
    box.addEventListener("change", function () {
      if (source) { source.close(); source = null; }
      if (!box.checked) return;
      var form = box.form;
      var rows = document.querySelector(box.dataset.tail + " [data-log-rows]");
      var last = rows.querySelector("tr[data-log-id]:last-of-type");
      var query = new URLSearchParams(new FormData(form));
      if (last) query.set("after", last.dataset.logId);
      source = new EventSource(form.action + "/tail?" + query.toString());
      source.addEventListener("message", function (e) {
        var empty = rows.querySelector("[data-empty]");
        if (empty) empty.remove();
        rows.insertAdjacentHTML("beforeend", e.data);
      });
    });
  }

  function activate(root) {
    root.querySelectorAll("[data-poll]").forEach(poll);
    root.querySelectorAll("form[data-partial]").forEach(partial);
    root.querySelectorAll("form[data-upload]").forEach(upload);
    root.querySelectorAll("[data-tail]").forEach(tail);
  }

  activate(document);
})();
