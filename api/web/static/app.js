// Small conveniences only: every page works without JavaScript.
document.addEventListener("DOMContentLoaded", () => {
  // Choosing a filter value applies it at once; the list stays a plain GET form.
  document.querySelectorAll("select[data-autosubmit]").forEach((select) => {
    select.addEventListener("change", () => select.form.submit());
  });
  // Opening a decision form puts the cursor in its reason box, which every decision needs.
  document.querySelectorAll("details.inline-decide").forEach((details) => {
    details.addEventListener("toggle", () => {
      if (details.open) details.querySelector("textarea")?.focus();
    });
  });
  // A refused decision comes back at the form that was used: open it again if it is folded.
  if (location.hash && document.querySelector(".flash.bad")) {
    const target = document.querySelector(location.hash);
    target?.querySelector("details.inline-decide")?.setAttribute("open", "");
  }
});
