// poller: progressive enhancement only; every page works without it.
// A select marked data-autosubmit submits its form when changed.
document.addEventListener("change", function (ev) {
  var t = ev.target;
  if (t && t.matches && t.matches("select[data-autosubmit]") && t.form) {
    t.form.submit();
  }
});
