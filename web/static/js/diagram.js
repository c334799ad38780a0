// Draws the state diagrams (<figure class="app-diagram" hidden><pre class="mermaid">) with mermaid,
// loaded before this file. Without JavaScript the figure stays hidden: the table beside it says the same.
// Mermaid measures text while drawing, so the figure is laid out (invisible) rather than hidden meanwhile.
(async () => {
  const figures = document.querySelectorAll(".app-diagram");
  if (!window.mermaid || figures.length === 0) return;
  for (const figure of figures) {
    figure.classList.add("app-diagram--drawing");
    figure.hidden = false;
  }
  window.mermaid.initialize({ startOnLoad: false, securityLevel: "strict" });
  await window.mermaid.run({ querySelector: ".app-diagram pre.mermaid", suppressErrors: true });
  for (const figure of figures) figure.classList.remove("app-diagram--drawing");
})();
