"""Helpers that several test modules share: requesting a page, reading it as a person does (its
text, tables and links), and making the records most tests start from.

conftest.py has pytest rewrite this module's asserts, so a failing check here reports its values
as an assert in a test does.
"""

import html
import re
from decimal import Decimal
from html.parser import HTMLParser

from .factories import ProjectFundingFactory, SettlementFactory

UNPUBLISHED = ("draft", "submitted", "archived")


# Requesting pages ------------------------------------------------------------------------------


def get(client, url, status=200):
    """The response to `url`, which must answer with `status`."""
    response = client.get(url)
    assert response.status_code == status, response.status_code
    return response


# Reading pages ---------------------------------------------------------------------------------


def text_of(fragment):
    """What a person reads in a piece of HTML: tags removed, spaces collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def summary_list(page):
    """What a person reads in the page's first summary list (the facts of a record)."""
    return text_of(re.search(r'<dl class="govuk-summary-list">.*?</dl>', page, re.S).group(0))


def text(response):
    """The page's text with tags removed and white space squashed."""
    return " ".join(re.sub(r"<[^>]+>", " ", response.text).split())


def squash(parts):
    return " ".join("".join(parts).split())


class TableReader(HTMLParser):
    """The tables of a page as people see them: caption and rows of cell texts, leaving out
    visually hidden text."""

    VOID = {"br", "img", "input", "hr", "meta", "link", "rect", "line", "path"}

    def __init__(self):
        super().__init__()
        self.tables, self.open, self.cell, self.caption = [], [], None, None

    def handle_starttag(self, tag, attrs):
        if tag == "br":
            self.handle_data(" ")
        if tag in self.VOID:
            return
        hidden = "govuk-visually-hidden" in (dict(attrs).get("class") or "")
        self.open.append((tag, hidden))
        if tag == "table":
            self.tables.append({"caption": "", "rows": []})
        elif tag == "caption":
            self.caption = []
        elif tag == "tr" and self.tables:
            self.tables[-1]["rows"].append([])
        elif tag in ("th", "td") and self.tables:
            self.cell = []

    def handle_endtag(self, tag):
        while self.open:
            if self.open.pop()[0] == tag:
                break
        if tag == "caption" and self.caption is not None:
            self.tables[-1]["caption"] = squash(self.caption)
            self.caption = None
        elif tag in ("th", "td") and self.cell is not None:
            self.tables[-1]["rows"][-1].append(squash(self.cell))
            self.cell = None

    def handle_data(self, data):
        if any(hidden for _, hidden in self.open):
            return
        for collector in (self.cell, self.caption):
            if collector is not None:
                collector.append(data)


def table(response, caption):
    """The rows (header row first) of the table whose caption starts with `caption`."""
    reader = TableReader()
    reader.feed(response.text)
    for found in reader.tables:
        if found["caption"].startswith(caption):
            return found["rows"]
    captions = [found["caption"] for found in reader.tables]
    raise AssertionError(f"No table captioned {caption!r}; captions: {captions}")


def has_link(response, href, label=None):
    links = re.findall(r'<a [^>]*href="([^"]*)"[^>]*>(.*?)</a>', response.text, flags=re.S)
    return any(
        found.replace("&amp;", "&") == href and (label is None or label in squash([inner]))
        for found, inner in links
    )


# Making records --------------------------------------------------------------------------------


def fund(project, amount, **settlement):
    """Fund `project` with `amount` pounds from a new settlement to its lead authority, with the
    fields `settlement`."""
    return ProjectFundingFactory(
        project=project,
        amount=Decimal(amount),
        settlement=SettlementFactory(recipient=project.lead_borough, **settlement),
    )
