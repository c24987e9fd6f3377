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
