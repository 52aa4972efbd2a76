// Drag and drop onto the upload form. Without JS the plain file inputs still work.
(function () {
  "use strict";
  const zone = document.getElementById("drop-zone");
  const input = document.querySelector("#upload-form input[name=images]");
  const list = document.getElementById("chosen-files");
  if (!zone || !input || !window.DataTransfer) return;

  zone.querySelector("[data-drop-hint]")?.classList.remove("d-none");

  function showChosen() {
    list.replaceChildren(
      ...Array.from(input.files).map((file) => {
        const item = document.createElement("li");
        item.textContent = `${file.name} (${Math.ceil(file.size / 1024)} KB)`;
        return item;
      })
    );
  }

  function highlight(on) {
    zone.classList.toggle("border-primary", on);
  }

  ["dragenter", "dragover"].forEach((type) =>
    zone.addEventListener(type, (event) => {
      event.preventDefault();
      highlight(true);
    })
  );
  ["dragleave", "drop"].forEach((type) => zone.addEventListener(type, () => highlight(false)));
  zone.addEventListener("drop", (event) => {
    event.preventDefault();
    // Merge dropped files with the ones already picked.
    const merged = new DataTransfer();
    Array.from(input.files).forEach((file) => merged.items.add(file));
    Array.from(event.dataTransfer.files).forEach((file) => merged.items.add(file));
    input.files = merged.files;
    showChosen();
  });
  input.addEventListener("change", showChosen);
})();
