// Polls a running design job and reloads the page once it has finished (no inline script: CSP).
(function () {
  "use strict";
  var statusEl = document.getElementById("job-status");
  var idEl = document.getElementById("assay-job-id");
  if (!statusEl || !idEl) { return; }
  var status = statusEl.getAttribute("data-status");
  if (status === "done" || status === "failed") { return; }
  var jobId = JSON.parse(idEl.textContent);
  function poll() {
    fetch("/api/assay/jobs/" + jobId, { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (job) {
        document.getElementById("job-progress").value = job.progress;
        document.getElementById("job-message").textContent = job.message;
        statusEl.textContent = job.status;
        if (job.status === "done" || job.status === "failed") { window.location.reload(); }
        else { window.setTimeout(poll, 2000); }
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 1500);
})();
