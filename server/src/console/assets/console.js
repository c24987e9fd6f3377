// Progressive enhancement only: every page works without this file.
// A button with data-confirm asks before its form is sent.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-confirm]");
  if (button && !window.confirm(button.getAttribute("data-confirm"))) {
    event.preventDefault();
  }
});
// A file input with data-max-bytes refuses a file that is too large before it is uploaded.
document.addEventListener("change", (event) => {
  const input = event.target;
  const max = Number(input.getAttribute && input.getAttribute("data-max-bytes"));
  if (!max || !input.files) return;
  for (const file of input.files) {
    if (file.size > max) {
      input.setCustomValidity(input.getAttribute("data-too-large") || "too large");
      input.reportValidity();
      return;
    }
  }
  input.setCustomValidity("");
});
// The registration form: only the chosen process's handler pickers are shown (all are in the
// form, and only the chosen process's count, so the form works without this).
function showChosenHandlers() {
  const process = document.getElementById("incoming-definition");
  if (!process) return;
  for (const group of document.querySelectorAll("fieldset.handlers[data-definition]")) {
    group.hidden = group.getAttribute("data-definition") !== process.value;
  }
}
document.addEventListener("change", (event) => {
  if (event.target.id === "incoming-definition") showChosenHandlers();
});
document.addEventListener("DOMContentLoaded", showChosenHandlers);
