/* The notice's 打印 link (the page's CSP allows only the application's own scripts). */
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    if (event.target.matches && event.target.matches("[data-print]")) { event.preventDefault(); window.print(); }
  });
})();
