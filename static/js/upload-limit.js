// A file over the server's per-file limit is refused here, before a byte is sent: the
// teacher would otherwise wait for the whole upload to hear it is too large.
(function () {
  "use strict";
  document.querySelectorAll("form[data-max-bytes]").forEach((form) => {
    const limit = Number(form.dataset.maxBytes);
    const box = form.querySelector("[data-size-errors]");
    if (!limit || !box) return;

    function tooLarge() {
      return Array.from(form.querySelectorAll("input[type=file]"))
        .flatMap((input) => Array.from(input.files || []))
        .filter((file) => file.size > limit);
    }

    function show(files) {
      const mb = Math.round(limit / (1024 * 1024));
      box.textContent = files.length
        ? `Too large to upload (the limit is ${mb} MB per file): ${files.map((f) => f.name).join(", ")}. ` +
          "Remove it, or take a smaller photo."
        : "";
      box.classList.toggle("d-none", !files.length);
    }

    form.addEventListener("change", () => show(tooLarge()));
    form.addEventListener("submit", (event) => {
      const files = tooLarge();
      if (files.length) {
        event.preventDefault();
        show(files);
        box.focus();
      }
    });
  });
})();
