// Draw the policy diagram (pages/diagram.html) with mermaid, loaded just before this file.
// A file of its own because the Content-Security-Policy allows no inline script.
if (window.mermaid) {
  window.mermaid.initialize({ startOnLoad: true, securityLevel: "strict" });
}
