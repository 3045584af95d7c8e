// Enhancements only: every page works without this script.
import { initAll } from "../build/govuk-frontend.min.js";

document.body.classList.add("js-enabled", "govuk-frontend-supported");
initAll();
