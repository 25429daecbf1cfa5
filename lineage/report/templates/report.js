"use strict";
document.querySelectorAll("table.sortable").forEach(function (table) {
  var headers = Array.prototype.slice.call(table.tHead.rows[0].cells);
  headers.forEach(function (th, column) {
    var button = th.querySelector("button");
    if (!button) { return; }
    button.addEventListener("click", function () {
      var ascending = th.getAttribute("aria-sort") !== "ascending";
      headers.forEach(function (other) { other.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
      var numeric = th.getAttribute("data-type") === "number";
      var body = table.tBodies[0];
      var rows = Array.prototype.slice.call(body.rows);
      rows.sort(function (first, second) {
        var a = first.cells[column].getAttribute("data-sort");
        var b = second.cells[column].getAttribute("data-sort");
        if (a === b) { return 0; }
        if (a === "") { return 1; }
        if (b === "") { return -1; }
        var order = numeric ? Number(a) - Number(b) : a.localeCompare(b);
        return ascending ? order : -order;
      });
      rows.forEach(function (row) { body.appendChild(row); });
    });
  });
});
function openLinkedText() {
  var target = location.hash ? document.getElementById(location.hash.slice(1)) : null;
  if (target && target.tagName === "DETAILS") { target.open = true; }
}
window.addEventListener("hashchange", openLinkedText);
openLinkedText();
