/* Jiceng: the few things pages need from a script (everything still works without it). */
(function () {
  "use strict";
  // On a phone every list is shown as cards; each cell carries its column's name (data-label).
  function labelCells(root) {
    var tables = root.querySelectorAll ? root.querySelectorAll("table.list") : [];
    Array.prototype.forEach.call(tables, function (table) {
      var heads = Array.prototype.map.call(table.querySelectorAll("thead th"), function (th) {
        return th.textContent.replace(/\s+/g, " ").trim();
      });
      if (!heads.length) return;
      Array.prototype.forEach.call(table.querySelectorAll("tbody tr"), function (tr) {
        var column = 0;
        Array.prototype.forEach.call(tr.children, function (cell) {
          if (!cell.hasAttribute("data-label") && heads[column] && cell.colSpan === 1) {
            cell.setAttribute("data-label", heads[column]);
          }
          column += cell.colSpan || 1;
        });
      });
    });
  }
  // A period picker marked data-autosubmit shows the chosen period at once (a 查看 button stays for no script).
  document.addEventListener("change", function (event) {
    var select = event.target;
    if (select.matches && select.matches("select[data-autosubmit]") && select.form) select.form.submit();
  });
  document.addEventListener("DOMContentLoaded", function () { labelCells(document); });
  document.addEventListener("htmx:afterSwap", function () { labelCells(document); });
})();
