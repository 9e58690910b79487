# ruff: noqa: E501  (a JavaScript file kept as a string)
"""The alert review shortcuts, served as `/alerts/keys.js` (the pages allow no inline script; kept here
so that the file ships with the package)."""

KEYS_JS = r"""// Alert review shortcuts: j next, k previous, c confirm, d dismiss. Announced on the page; ignored while
// typing in a field; every shortcut is also a link or a button reachable with Tab and Enter.
(function () {
  "use strict";
  var live = document.getElementById("alert-live");
  function say(text) { if (live) { live.textContent = text; } }
  function follow(id) {
    var link = document.getElementById(id);
    if (link && link.href) { say(link.getAttribute("data-say") || ""); window.location.href = link.href; return true; }
    return false;
  }
  function press(id) {
    var button = document.getElementById(id);
    if (button && !button.disabled) { say(button.getAttribute("data-say") || ""); button.click(); return true; }
    return false;
  }
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || event.isComposing) { return; }
    var target = event.target;
    var tag = target && target.tagName ? target.tagName.toLowerCase() : "";
    if (tag === "input" || tag === "textarea" || tag === "select" || (target && target.isContentEditable)) { return; }
    var done = false;
    if (event.key === "j") { done = follow("alert-next"); }
    else if (event.key === "k") { done = follow("alert-prev"); }
    else if (event.key === "c") { done = press("alert-confirm"); }
    else if (event.key === "d") { done = press("alert-dismiss"); }
    if (done) { event.preventDefault(); }
  });
})();
"""
