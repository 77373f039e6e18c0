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
    var timer = null;
    box.addEventListener("change", function () {
      clearInterval(timer);
      if (!box.checked) return;
      var form = box.form;
      timer = setInterval(function () {
        var url = form.action + "?" + new URLSearchParams(new FormData(form)).toString();
        fetch(url, { headers: { "X-Partial": "1" }, credentials: "same-origin" })
          .then(function (r) { return r.text(); })
          .then(function (html) { put(document.querySelector(box.dataset.tail), html); });
      }, 2000);
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
