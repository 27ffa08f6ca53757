// Approve or reject a pending data request with a reason (the decision is audited server-side).
(function () {
  "use strict";
  function csrf() {
    const m = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    return m ? decodeURIComponent(m[1]) : "";
  }
  document.querySelectorAll("#approvals button.decide").forEach((button) => {
    button.addEventListener("click", async () => {
      const row = button.closest("tr");
      const out = row.querySelector(".outcome");
      const body = { approve: button.dataset.approve === "true", reason: row.querySelector(".reason").value };
      const r = await fetch(`/api/investigation/requests/${row.dataset.request}/decision`, {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() }, body: JSON.stringify(body) });
      const data = await r.json().catch(() => ({}));
      out.textContent = r.ok ? data.status : (data.detail || r.statusText);
      if (r.ok) row.querySelectorAll("button").forEach((b) => { b.disabled = true; });
    });
  });
})();
