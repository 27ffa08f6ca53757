// Polls the jobs API while any job on the page is queued or running, and updates progress in place.
(function () {
  "use strict";
  function rows() { return Array.prototype.slice.call(document.querySelectorAll("[data-job]")); }
  function active(el) {
    var s = el.querySelector(".status");
    return s && (s.textContent === "queued" || s.textContent === "running");
  }
  function update(el, job) {
    el.querySelector(".status").textContent = job.status;
    var bar = el.querySelector("progress");
    if (bar) { bar.value = job.progress; }
    var msg = el.querySelector(".message");
    if (msg) { msg.textContent = job.message; }
    if (job.status === "done") {
      var link = document.getElementById("report-link");
      if (link) { link.hidden = false; }
      // The job page renders the docking table on the server: show it by reloading once.
      if (job.docking && document.getElementById("report-link") && !document.getElementById("docking")) {
        window.location.reload();
      }
    }
  }
  function tick() {
    var pending = rows().filter(active);
    if (!pending.length) { return; }
    Promise.all(pending.map(function (el) {
      return fetch("/api/repurposing/jobs/" + el.getAttribute("data-job"), { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (job) { if (job) { update(el, job); } });
    })).finally(function () { window.setTimeout(tick, 1500); });
  }
  window.setTimeout(tick, 1000);
})();
