// Enhancements only: every page works without this script.
import { initAll } from "../build/govuk-frontend.min.js";
import { FilterToggleButton } from "../build/moj/filter-toggle-button.bundle.mjs";

// The body is marked as scripted by its own first script (settings.BODY_SCRIPT).
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

// "Add another" on the officers' forms: add a row in the page from its template, rather than
// sending the form back for one (what the button does without this script).
for (const rows of document.querySelectorAll("[data-add-another]")) {
  const prefix = rows.dataset.addAnother;
  const total = rows.querySelector(`input[name="${prefix}-TOTAL_FORMS"]`);
  const template = rows.querySelector("template[data-add-another-template]");
  const button = rows.querySelector(`button[name="add_row"][value="${prefix}"]`);
  if (!total || !template || !button) continue;
  button.addEventListener("click", (event) => {
    event.preventDefault();
    const index = Number(total.value);
    const html = template.innerHTML
      .replaceAll("__prefix__", String(index))
      .replaceAll("__number__", String(index + 1));
    const holder = document.createElement("div");
    holder.innerHTML = html;
    const row = holder.firstElementChild;
    rows.querySelector("[data-add-another-rows]").append(row);
    total.value = String(index + 1);
    const first = row.querySelector("input:not([type=hidden]), select, textarea");
    if (first) first.focus();
  });
}

// The compare button says how many projects are ticked.
const compareButton = document.querySelector("[data-compare-button]");
if (compareButton) {
  const ticks = document.querySelectorAll('input[name="project"][form="compare-form"]');
  const count = () => {
    const ticked = [...ticks].filter((tick) => tick.checked).length;
    compareButton.textContent = ticked ? `Compare (${ticked} selected)` : "Compare selected projects";
  };
  for (const tick of ticks) tick.addEventListener("change", count);
  count();
}

// Filter a list on a phone: the filter column opens over the results from "Show filters".
const filterColumn = document.querySelector("[data-filter-toggle]");
const filterButtonPlace = document.querySelector(".portal-list-actions__filter");
if (filterColumn && filterButtonPlace) {
  filterButtonPlace.replaceChildren();
  new FilterToggleButton(filterColumn, {
    startHidden: false,
    toggleButton: { showText: "Show filters", hideText: "Hide filters", classes: "govuk-button--secondary" },
    toggleButtonContainer: { element: filterButtonPlace },
    closeButton: { text: "Close filters", classes: "moj-filter__close" },
  });
  filterColumn.dataset.filterToggleReady = "";
}
