// Demo portal: small progressive enhancements; every page works without this file.
(function () {
  "use strict";
  // A select marked data-autosubmit submits its form when changed.
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () {
      if (select.form) select.form.submit();
    });
  });
  // Mark an editable field the user changed, so the change is visible before submitting.
  document.querySelectorAll("#filled-form .field:not(.locked) .control").forEach(function (control) {
    var initial = control.value;
    control.addEventListener("input", function () {
      var field = control.closest(".field");
      if (field) field.classList.toggle("changed", control.value !== initial);
    });
  });
})();
