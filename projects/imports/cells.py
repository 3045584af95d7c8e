"""The cells of an import file as people write them ("Hackney", "E09000012", "HCK"; "2024-25";
"£125,000"): widgets that read each into the value it stands for, and say clearly what is wrong
with one they cannot read."""

import datetime
import re
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.validators import validate_slug
from import_export.widgets import Widget

from boroughs.models import Borough, Commission
from portal.money import FIRST_FINANCIAL_YEAR, LAST_FINANCIAL_YEAR, MONEY, financial_year_label

from ..models import Funder, Project

SEPARATORS = re.compile(r"[;\n]")
DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]


def cell_text(value):
    """A cell as the text people see in it: numbers without a needless ".0", dates in ISO form."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime) and value.time() == datetime.time():
        return value.date().isoformat()
    if isinstance(value, datetime.date | datetime.datetime):
        return value.isoformat()
    return str(value).strip()


def split_list(value):
    """The items of a cell that lists several, separated by ";" or new lines."""
    return [item.strip() for item in SEPARATORS.split(cell_text(value)) if item.strip()]


def quoted(names):
    """“Atlantis” or “Gotham”."""
    return " or ".join(f"“{name}”" for name in names)


def parse_money(text):
    """Pounds written as people write them: 125000, 125,000.50, £125,000."""
    cleaned = re.sub(r"[£,\s]", "", cell_text(text))
    try:
        amount = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(
            f"“{cell_text(text)}” is not an amount of money – write pounds, e.g. 125000 or "
            "125,000.50"
        ) from None
    if not amount.is_finite():
        raise ValueError(f"“{cell_text(text)}” is not an amount of money")
    if amount < 0:
        raise ValueError(f"{cell_text(text)} is negative – give an amount of 0 or more")
    if amount != amount.quantize(Decimal("0.01")):
        raise ValueError(f"{cell_text(text)} has more than two decimal places (pence)")
    whole_digits = MONEY["max_digits"] - MONEY["decimal_places"]
    if amount >= 10**whole_digits:
        raise ValueError(f"{cell_text(text)} is too large an amount")
    return amount.quantize(Decimal("0.01"))


FINANCIAL_YEAR = re.compile(r"^(\d{4})(?:\s*[-/–]\s*(\d{2}|\d{4}))?$")


def parse_financial_year(value):
    """The year a financial year starts in, from 2024, "2024-25", "2024/25" or "2024-2025"."""
    text = cell_text(value)
    problem = (
        f"“{text}” is not a financial year – write the year it starts in (2024) or the "
        "financial year (2024-25)"
    )
    match = FINANCIAL_YEAR.match(text)
    if not match:
        raise ValueError(problem)
    year, end = int(match[1]), match[2]
    if end is not None and int(end) != (year + 1 if len(end) == 4 else (year + 1) % 100):
        raise ValueError(
            f"“{text}” is not a financial year – one runs from April to March, e.g. "
            f"{financial_year_label(year)}"
        )
    if not FIRST_FINANCIAL_YEAR <= year <= LAST_FINANCIAL_YEAR:
        raise ValueError(
            f"{text} is not a plausible financial year – financial years run from "
            f"{FIRST_FINANCIAL_YEAR} to {LAST_FINANCIAL_YEAR}"
        )
    return year


def pairs(value, example):
    """("key", "amount") pairs from a cell such as "2024-25: 100000; 2025-26: 50000"."""
    found = []
    for item in split_list(value):
        key, colon, amount = item.rpartition(":")
        if not colon or not key.strip() or not amount.strip():
            raise ValueError(f"“{item}” is not written as “{example}”")
        found.append((key.strip(), amount.strip()))
    return found


class TextWidget(Widget):
    def clean(self, value, row=None, **kwargs):
        return cell_text(value)


class LinesWidget(Widget):
    """Several short texts, ";"-separated in the file and one per line in the database."""

    def clean(self, value, row=None, **kwargs):
        return "\n".join(split_list(value))

    def render(self, value, obj=None, **kwargs):
        return "; ".join(line.strip() for line in (value or "").splitlines() if line.strip())


class SlugWidget(Widget):
    def clean(self, value, row=None, **kwargs):
        slug = cell_text(value).lower()
        if slug:
            try:
                validate_slug(slug)
            except ValidationError:
                raise ValueError(
                    f"“{cell_text(value)}” is not a slug – use lower-case letters, numbers and "
                    "hyphens, e.g. hackney-befriending-network"
                ) from None
        return slug


class DateWidget(Widget):
    """A date cell of a workbook, or a date written YYYY-MM-DD or DD/MM/YYYY."""

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, datetime.datetime):
            return value.date()
        if isinstance(value, datetime.date):
            return value
        text = cell_text(value)
        if not text:
            return None
        for date_format in DATE_FORMATS:
            try:
                return datetime.datetime.strptime(text, date_format).date()
            except ValueError:
                continue
        raise ValueError(
            f"“{text}” is not a date – write it as YYYY-MM-DD or DD/MM/YYYY, e.g. 2024-04-01 or "
            "01/04/2024"
        )

    def render(self, value, obj=None, **kwargs):
        return value.isoformat() if value else ""


class WholeNumberWidget(Widget):
    def clean(self, value, row=None, **kwargs):
        text = re.sub(r"[,\s]", "", cell_text(value))
        if not text:
            return None
        if not re.fullmatch(r"-?\d+", text):
            raise ValueError(f"“{cell_text(value)}” is not a whole number, e.g. 250")
        if int(text) < 0:
            raise ValueError(f"{text} is negative – give a number of people, 0 or more")
        return int(text)


class MoneyWidget(Widget):
    def clean(self, value, row=None, **kwargs):
        return parse_money(value) if cell_text(value) else None


class FinancialYearWidget(Widget):
    def clean(self, value, row=None, **kwargs):
        return parse_financial_year(value) if cell_text(value) else None

    def render(self, value, obj=None, **kwargs):
        return financial_year_label(value) if value else ""


class ChoiceWidget(Widget):
    """One of a field's choices, by its value or its label, in any case; None when blank."""

    def __init__(self, choices, noun):
        super().__init__()
        self.choices = choices
        self.noun = noun

    @staticmethod
    def normal(text):
        return re.sub(r"[\s_-]+", "-", text.strip().casefold())

    def clean(self, value, row=None, **kwargs):
        text = cell_text(value)
        if not text:
            return None
        for choice, label in self.choices.choices:
            if self.normal(text) in {self.normal(choice), self.normal(label)}:
                return choice
        raise ValueError(
            f"“{text}” is not a {self.noun} – use one of: "
            + ", ".join(choice for choice, _ in self.choices.choices)
        )


class LookupWidget(Widget):
    """A cell naming a row of another table by any of its keys, in any case; or several,
    separated by ";", with `many`. Each import reads the table once."""

    def __init__(self, many=False):
        super().__init__()
        self.many = many
        self.table = None

    def get_queryset(self):
        raise NotImplementedError

    def keys(self, obj):
        raise NotImplementedError

    def unknown(self, names):
        """What to say about names that match nothing."""
        raise NotImplementedError

    def label(self, obj):
        return str(obj)

    def find(self, name):
        if self.table is None:
            self.table = {
                str(key).casefold(): obj
                for obj in self.get_queryset()
                for key in self.keys(obj)
                if key
            }
        return self.table.get(name.casefold())

    def clean(self, value, row=None, **kwargs):
        names = split_list(value) if self.many else [cell_text(value)]
        found, unknown = [], []
        for name in filter(None, names):
            obj = self.find(name)
            if obj is None:
                unknown.append(name)
            elif obj not in found:
                found.append(obj)
        if unknown:
            message = self.unknown(unknown)
            if any("," in name for name in unknown):
                message += " (separate several with “;”)"
            raise ValueError(message)
        if self.many:
            return found
        return found[0] if found else None

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return ""
        if isinstance(value, list):  # a row's own, before they are saved
            items = value
        elif hasattr(value, "all"):
            try:
                items = list(value.all())
            except ValueError:  # the relations of a record not saved yet
                return ""
        else:
            items = [value]
        return "; ".join(self.label(item) for item in items)


class BoroughWidget(LookupWidget):
    def get_queryset(self):
        return Borough.objects.all()

    def keys(self, borough):
        return [borough.name, borough.slug, borough.gss_code, borough.short_code]

    def unknown(self, names):
        return (
            f"no London authority called {quoted(names)} – use its name, GSS code or "
            "three-letter code"
        )


class TaxonomyWidget(LookupWidget):
    def __init__(self, model, noun, many=True):
        super().__init__(many=many)
        self.model = model
        self.noun = noun

    def get_queryset(self):
        return self.model.objects.all()

    def keys(self, term):
        return [term.slug, term.name]

    def label(self, term):
        return term.slug

    def unknown(self, names):
        slugs = ", ".join(self.model.objects.values_list("slug", flat=True))
        return f"no {self.noun} called {quoted(names)} – use the slug or name of one of: {slugs}"


class CommissionWidget(LookupWidget):
    def get_queryset(self):
        return Commission.objects.all()

    def keys(self, commission):
        return [commission.slug]

    def label(self, commission):
        return commission.slug

    def unknown(self, names):
        return (
            f"no commission with the slug {quoted(names)} – copy the slug from the commission "
            "in the admin"
        )


class FunderWidget(LookupWidget):
    def get_queryset(self):
        return Funder.objects.all()

    def keys(self, funder):
        return [funder.name, funder.slug]

    def unknown(self, names):
        return (
            f"no funder called {quoted(names)} – add it under Funders in the admin first; an "
            "import never creates funders"
        )


class AmountsWidget(Widget):
    """Amounts of a record's lines, "key: amount; key: amount": as its row gives them
    ({key: amount}), or as its lines (a related manager) hold them."""

    def amounts_of(self, lines):
        """{key: amount} of the lines."""
        raise NotImplementedError

    def label(self, key):
        raise NotImplementedError

    def render(self, value, obj=None, **kwargs):
        if isinstance(value, dict):  # a row's own
            amounts = value
        else:
            try:
                amounts = self.amounts_of(value) if value is not None else {}
            except ValueError:  # the lines of a record not saved yet
                return ""
        return "; ".join(f"{self.label(key)}: {amount}" for key, amount in amounts.items())


class AllocationsWidget(AmountsWidget):
    """Yearly allocations, "2024-25: 100000; 2025-26: 50000" ⇄ {2024: Decimal, 2025: Decimal}."""

    EXAMPLE = "2024-25: 100000; 2025-26: 50000"

    def clean(self, value, row=None, **kwargs):
        yearly = {}
        for year_text, amount_text in pairs(value, self.EXAMPLE):
            year = parse_financial_year(year_text)
            if year in yearly:
                raise ValueError(f"{financial_year_label(year)} appears more than once")
            yearly[year] = parse_money(amount_text)
        return yearly

    def amounts_of(self, lines):
        # In the model's order (by year), from the export's prefetch when there is one.
        return {line.financial_year: line.amount for line in lines.all()}

    def label(self, year):
        return financial_year_label(year)


class ProjectFundingsWidget(AmountsWidget):
    """Money for projects, "slug: amount; slug: amount" ⇄ {Project: Decimal}."""

    def clean(self, value, row=None, **kwargs):
        wanted = {}
        for slug, amount_text in pairs(value, "project-slug: amount; another-slug: amount"):
            slug = slug.lower()
            if slug in wanted:
                raise ValueError(f"the project “{slug}” appears more than once")
            wanted[slug] = parse_money(amount_text)
        projects = {p.slug: p for p in Project.objects.filter(slug__in=wanted)}
        unknown = [slug for slug in wanted if slug not in projects]
        if unknown:
            raise ValueError(
                f"no project with the slug {quoted(unknown)} – check the slug, or import the "
                "project first"
            )
        return {projects[slug]: amount for slug, amount in wanted.items()}

    def amounts_of(self, lines):
        return {line.project: line.amount for line in lines.all()}

    def label(self, project):
        return project.slug
