"""Every kind of page works from the keyboard: the skip link comes first (or, on a page with
errors, the error summary, which GOV.UK Frontend focuses) and leads to the main content, and
each of the first stops the Tab key reaches is on screen and visibly focused."""

from .test_accessibility import officer, officer_pages, public_pages, sign_in  # noqa: F401

STOPS = 25

# What a keyboard user sees of the element in focus: whether there is one, whether it is on
# screen, and whether it looks focused (an outline, a shadow or GOV.UK's yellow background).
FOCUS = """() => {
  const element = document.activeElement;
  if (!element || element === document.body) return {focused: false};
  const box = element.getBoundingClientRect();
  const style = getComputedStyle(element);
  const visible = box.width > 0 && box.height > 0 && box.bottom > 0 &&
    box.top < window.innerHeight && style.visibility !== "hidden";
  const marked = (style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0) ||
    style.boxShadow !== "none" || style.backgroundColor === "rgb(255, 221, 0)";
  const name = element.tagName.toLowerCase() +
    (element.id ? "#" + element.id : "") + " " + (element.textContent || "").trim().slice(0, 40);
  const inSummary = element.closest(".govuk-error-summary") !== null;
  return {focused: true, visible, marked, name, inSummary};
}"""


def keyboard_problems(page, url, paths):
    """{kind of page: what goes wrong} when each of `paths` is used from the keyboard."""
    problems = {}
    for kind, path in paths.items():
        page.goto(url(path))
        with_errors = page.locator(".govuk-error-summary").count() > 0
        page.keyboard.press("Tab")
        first = page.evaluate(FOCUS)
        found = []
        if with_errors and not first.get("inSummary"):
            found.append(f"the first stop is {first.get('name')}, not in the error summary")
        if not with_errors and first.get("name", "").split(" ", 1)[-1] != "Skip to main content":
            found.append(f"the first stop is {first.get('name')}, not the skip link")
        for _ in range(STOPS):
            focus = page.evaluate(FOCUS)
            if not focus["focused"]:
                break
            if not (focus["visible"] and focus["marked"]):
                found.append(f"{focus['name']} is focused out of sight or unmarked")
            page.keyboard.press("Tab")
        page.goto(url(path))
        page.keyboard.press("Tab")
        page.keyboard.press("Enter")
        if not page.evaluate("document.activeElement.closest('main') !== null"):
            found.append("the skip link does not lead into the main content")
        if found:
            problems[kind] = found
    return problems


def test_every_kind_of_public_page_works_from_the_keyboard(page, url, demo):
    assert keyboard_problems(page, url, public_pages()) == {}


def test_every_kind_of_officers_page_works_from_the_keyboard(page, url, officer):  # noqa: F811
    sign_in(page, url, officer)
    assert keyboard_problems(page, url, officer_pages(officer)) == {}
