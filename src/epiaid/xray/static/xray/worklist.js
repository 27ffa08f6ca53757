// Draw urgency bars from data attributes (CSP forbids inline styles set by template scripts).
document.querySelectorAll("#worklist .bar").forEach(function (el) {
  var v = parseFloat(el.getAttribute("data-value")) || 0;
  el.style.width = Math.max(2, Math.min(100, v)) * 0.6 + "px";
});
