// Enhancements only: every page works without this script.
import { initAll } from "../build/govuk-frontend.min.js";

document.body.classList.add("js-enabled", "govuk-frontend-supported");
initAll();

// On the project form, offer only the recommendations of the chosen commission (ticked ones of
// another commission stay visible, so nothing chosen is hidden).
const commission = document.querySelector("#id_commission");
const groups = document.querySelectorAll("[data-recommendations-of]");
if (commission && groups.length) {
  const showChosen = () => {
    for (const group of groups) {
      const ticked = group.querySelector("input:checked");
      group.hidden = group.dataset.recommendationsOf !== commission.value && !ticked;
    }
  };
  commission.addEventListener("change", showChosen);
  showChosen();
}
