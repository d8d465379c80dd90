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
  // 登记: a whole ID number fills in the birth date (digits 7-14) and the sex (digit 17: odd 男, even 女)
  // when they are still empty; the server checks the number and reads the same two things from it.
  var WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  function idNumberFacts(text) {
    var number = (text || "").trim().toUpperCase();
    if (!/^\d{17}[\dX]$/.test(number)) return null;
    var sum = 0;
    for (var i = 0; i < 17; i++) sum += Number(number[i]) * WEIGHTS[i];
    if ("10X98765432"[sum % 11] !== number[17]) return null;
    var y = number.slice(6, 10), m = number.slice(10, 12), d = number.slice(12, 14);
    var day = new Date(Number(y), Number(m) - 1, Number(d));
    if (day.getFullYear() !== Number(y) || day.getMonth() !== Number(m) - 1 || day.getDate() !== Number(d)) return null;
    return { birth: y + "-" + m + "-" + d, sex: Number(number[16]) % 2 === 1 ? "M" : "F" };
  }
  document.addEventListener("input", function (event) {
    var input = event.target;
    if (!input.matches || !input.matches("input[data-fills-birth]")) return;
    var facts = idNumberFacts(input.value), form = input.form;
    if (!facts || !form) return;
    var birth = form.querySelector("input[name=birth_date]");
    if (birth && !birth.value) birth.value = facts.birth;
    var checked = form.querySelector("input[name=sex]:checked");
    var sex = form.querySelector("input[name=sex][value=" + facts.sex + "]");
    if (sex && !checked) sex.checked = true;
  });
  // 打印: a report's print layout (jiceng.css @media print)
  document.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest("[data-print]")) window.print();
  });
  document.addEventListener("DOMContentLoaded", function () { labelCells(document); });
  document.addEventListener("htmx:afterSwap", function () { labelCells(document); });
})();
