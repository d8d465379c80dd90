/* The report page: changing a number computed from the registers (or summed from below) asks for the reason
   beside that cell, at once; putting the computed number back hides the question again. */
(function () {
  "use strict";
  function reasonFor(input) {
    var cell = input.closest("td");
    return cell ? cell.querySelector("input.cell-reason") : null;
  }
  function update(input) {
    var reason = reasonFor(input);
    if (!reason || input.dataset.original === undefined) return;
    var changed = input.value.trim() !== input.dataset.original;
    // not `required`: the server answers in Chinese beside the cell and keeps everything typed
    reason.hidden = !(changed || reason.value.trim() || reason.dataset.error);
  }
  document.addEventListener("input", function (event) {
    if (event.target.matches && event.target.matches("input.value-input")) update(event.target);
  });
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("input.value-input[data-original]").forEach(update);
  });
})();
