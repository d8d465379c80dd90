/* 本月发放 on a weak network: a tap shows at once that it is pending, a request that got no answer is retried
   with the same idempotency key (the server returns the first result, so a retry never issues twice), and a
   tap that could not get through says so in Chinese, with a 重试 button. */
(function () {
  "use strict";
  var RETRIES = 3;

  function parts(form) {
    return { button: form.querySelector("button[type=submit]"), status: form.querySelector(".tap-status") };
  }
  function say(form, text, kind) {
    var p = parts(form);
    if (p.status) { p.status.textContent = text; p.status.className = "tap-status small " + (kind || ""); }
  }
  function pending(form) {
    var p = parts(form);
    form.classList.add("pending");
    if (p.button) { p.button.disabled = true; p.button.textContent = "发放中…"; }
  }
  function failed(form, text) {
    var p = parts(form);
    form.classList.remove("pending");
    form.classList.add("failed");
    if (p.button) { p.button.disabled = false; p.button.textContent = "重试"; }
    say(form, text, "bad");
  }
  function isTap(event) {
    var form = event.detail && event.detail.elt;
    return form && form.matches && form.matches("form.collect") ? form : null;
  }

  document.addEventListener("htmx:beforeRequest", function (event) {
    var form = isTap(event);
    if (!form) return;
    pending(form);
    var tries = Number(form.dataset.tries || 0);
    say(form, tries ? "网络不稳，正在重试（第 " + tries + " 次）…" : "正在发放，请稍候…", "muted");
  });

  function retryOrFail(event, why) {
    var form = isTap(event);
    if (!form) return;
    var tries = Number(form.dataset.tries || 0) + 1;
    form.dataset.tries = String(tries);
    if (tries <= RETRIES && navigator.onLine !== false) {
      say(form, why + "，正在重试（第 " + tries + " 次）…", "muted");
      setTimeout(function () { htmx.trigger(form, "submit"); }, 1000 * tries);
      return;
    }
    form.dataset.tries = "0";
    failed(form, "发放失败：" + why + "，未能确认是否已发放。请检查网络后点“重试”（同一次发放不会重复记录）。");
  }
  document.addEventListener("htmx:sendError", function (event) { retryOrFail(event, "网络中断"); });
  document.addEventListener("htmx:timeout", function (event) { retryOrFail(event, "网络超时"); });
  document.addEventListener("htmx:responseError", function (event) {
    var form = isTap(event);
    if (!form) return;
    var code = event.detail.xhr ? event.detail.xhr.status : "";
    failed(form, "发放失败：服务器暂时无法处理（" + code + "）。请稍后点“重试”（同一次发放不会重复记录）。");
  });
  window.addEventListener("online", function () {  // the network is back: send the taps that failed
    document.querySelectorAll("form.collect.failed").forEach(function (form) {
      form.classList.remove("failed");
      htmx.trigger(form, "submit");
    });
  });
  document.addEventListener("DOMContentLoaded", function () {
    if (window.htmx) htmx.config.timeout = 20000;
  });
})();
