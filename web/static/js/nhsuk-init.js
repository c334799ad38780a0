// Starts the NHS.UK design system's components (the header's "More" menu, error-summary focus, …):
// they do nothing until initAll() is called. A module script, so it runs only in browsers the design
// system supports, after the page is parsed, and with no inline script (a strict CSP allows it).
import { initAll } from "../vendor/nhsuk-frontend/nhsuk-frontend.min.js";

document.body.classList.add("js-enabled", "nhsuk-frontend-supported");
initAll();
