"""Importing projects and funding settlements from CSV files and Excel workbooks in the admin.

django-import-export runs the flow: a curator uploads a file, sees a preview (a dry run inside a
transaction that is rolled back), and confirms. Here:

- reading a file (`read_csv`, `read_xlsx`, `tabulate`): UTF-8 CSV or the first sheet of an .xlsx
  workbook, at most MAX_UPLOAD_MB and MAX_ROWS rows; every problem is an `UploadError` whose text
  is shown to the curator;
- widgets that read the cells people write ("Hackney", "E09000012", "HCK"; "2024-25";
  "£125,000") and say clearly what is wrong with one they cannot read;
- ProjectResource and SettlementResource: one row per project or settlement, whose cells become
  the data of the very ModelForm the admin and officers use (ProjectForm, SettlementForm), so
  every rule is written once; errors name the row and the column; saved all or nothing;
- SpreadsheetImportMixin for the ModelAdmins: the upload form that checks the file where
  import-export first reads it, the "Download a template (CSV)" view, and the confirm step that
  imports nothing if any row fails.

Rows are numbered as a spreadsheet numbers them: the column names are row 1, the first record is
row 2.
"""

import csv
import datetime
import io
import os
import re
import warnings
from contextlib import contextmanager
from decimal import Decimal, InvalidOperation

import openpyxl
import tablib
from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.core.validators import validate_slug
from django.db import models
from django.forms.models import model_to_dict
from django.http import HttpResponse, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.text import slugify
from import_export import resources
from import_export.admin import ImportMixin
from import_export.fields import Field
from import_export.formats.base_formats import CSV, XLSX
from import_export.forms import ImportForm
from import_export.results import RowResult
from import_export.widgets import Widget
from openpyxl.utils import get_column_letter

from boroughs.models import Borough, Commission
from portal.money import FIRST_FINANCIAL_YEAR, LAST_FINANCIAL_YEAR, MONEY, financial_year_label

from . import services
from .forms import ProjectForm, SettlementForm
from .models import Funder, FundingSettlement, Project, Restrictions, TargetGroup, Theme

MAX_UPLOAD_MB = 5
MAX_UPLOAD_BYTES = MAX_UPLOAD_MB * 1024 * 1024
MAX_ROWS = 1000  # a project row takes ~30 ms to check, and as long again to save
SEPARATORS = re.compile(r"[;\n]")
DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]


# Reading files -----------------------------------------------------------------------------------


class UploadError(Exception):
    """A file that cannot be imported; its text says why, for the curator."""


def is_blank(value):
    return value is None or (isinstance(value, str) and not value.strip())


def column_name(heading):
    """A heading as the import knows it: "Lead borough " → "lead_borough"."""
    if is_blank(heading):
        return ""
    return re.sub(r"[\s-]+", "_", str(heading).strip().lower())


def tabulate(records):
    """A tablib Dataset from the records of a sheet, the first holding the column names.

    Columns without a name are dropped when they are empty; blank records are kept so that row
    numbers match the spreadsheet's. Reading stops with an UploadError after MAX_ROWS records
    that are not blank.
    """
    records = iter(records)
    headings = next(records, None)
    if headings is None or all(is_blank(cell) for cell in headings):
        if headings is None or not any(any(not is_blank(c) for c in r) for r in records):
            raise UploadError("The file is empty: it has no column names and no rows.")
        raise UploadError(
            "The first row is empty, but it must hold the column names – download the template "
            "to see them."
        )
    names = [column_name(heading) for heading in headings]
    repeated = sorted({name for name in names if name and names.count(name) > 1})
    if repeated:
        raise UploadError(
            "The first row names "
            + " and ".join(f"the column “{name}”" for name in repeated)
            + " more than once; each column may appear only once."
        )
    kept = [index for index, name in enumerate(names) if name]
    dataset = tablib.Dataset(headers=[names[index] for index in kept])
    filled = 0
    for number, record in enumerate(records, start=2):
        cells = list(record)
        for index, cell in enumerate(cells):
            if not is_blank(cell) and (index >= len(names) or not names[index]):
                raise UploadError(
                    f"Row {number} has a value in column {get_column_letter(index + 1)}, which "
                    "has no name in the first row – name the column or delete the value."
                )
        cells += [None] * (len(names) - len(cells))
        if any(not is_blank(cell) for cell in cells):
            filled += 1
            if filled > MAX_ROWS:
                raise UploadError(
                    f"The file has more than {MAX_ROWS:,} rows; an import can take at most "
                    f"{MAX_ROWS:,} – split it into smaller files and import them one by one."
                )
        dataset.append([cells[index] for index in kept])
    return dataset


def read_csv(data):
    """The Dataset in CSV `data`: bytes in UTF-8 (with or without a byte-order mark) or text."""
    if isinstance(data, bytes):
        if data.startswith(b"PK\x03\x04"):
            raise UploadError(
                "The file looks like an Excel workbook, not CSV text – upload it with the "
                "extension .xlsx."
            )
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            line = data[: error.start].count(b"\n") + 1
            raise UploadError(
                f"The file is not UTF-8 text (the first character that is not is on line {line})."
                " In Excel, save it as “CSV UTF-8 (Comma delimited)”, or upload the workbook as "
                ".xlsx."
            ) from None
    if "\x00" in data:
        raise UploadError("The file holds binary data, not CSV text – upload a .csv or .xlsx file.")
    try:
        return tabulate(csv.reader(io.StringIO(data, newline="")))
    except csv.Error as error:
        raise UploadError(f"The file could not be read as CSV: {error}.") from None


def read_xlsx(data):
    """The Dataset in the first sheet of the Excel workbook in `data` (bytes)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about features it does not read
            book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # whatever the parser trips on, the curator needs the same advice
        raise UploadError(
            "The file could not be read as an Excel workbook (.xlsx). Save it again from Excel "
            "as “Excel Workbook (.xlsx)”, or as “CSV UTF-8 (Comma delimited)”."
        ) from None
    try:
        sheet = book.worksheets[0]
        sheet.reset_dimensions()  # some programs record the size of a sheet wrongly
        return tabulate(sheet.iter_rows(values_only=True))
    except UploadError:
        raise
    except Exception:  # a sheet openpyxl opens but cannot read
        raise UploadError(
            "The first sheet of the workbook could not be read. Save it again from Excel as "
            "“Excel Workbook (.xlsx)”, or as “CSV UTF-8 (Comma delimited)”."
        ) from None
    finally:
        book.close()


class CSVFile(CSV):
    """CSV in UTF-8, read by `read_csv`."""

    def create_dataset(self, in_stream, **kwargs):
        return read_csv(in_stream)


class XLSXFile(XLSX):
    """The first sheet of an Excel workbook, read by `read_xlsx`."""

    def create_dataset(self, in_stream):
        return read_xlsx(in_stream)


FORMATS = [CSVFile, XLSXFile]


# Cells -------------------------------------------------------------------------------------------


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


def as_form_value(value):
    """A value read from a cell, or kept from a record, as a form's data holds it: a record by
    its primary key, several as a list, a date in ISO form, nothing as an empty text."""
    if value is None:
        return ""
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, list | tuple | models.QuerySet):
        return [as_form_value(item) for item in value]
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, bool):
        return value
    return str(value)


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
        try:
            items = list(value.all()) if hasattr(value, "all") else [value]
        except ValueError:  # the relations of a row not saved yet
            return ""
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


class AllocationsWidget(Widget):
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

    def render(self, value, obj=None, **kwargs):
        try:
            lines = list(value.order_by("financial_year")) if value is not None else []
        except ValueError:
            return ""
        return "; ".join(f"{line.financial_year_label}: {line.amount}" for line in lines)


class ProjectFundingsWidget(Widget):
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

    def render(self, value, obj=None, **kwargs):
        try:
            lines = list(value.select_related("project")) if value is not None else []
        except ValueError:
            return ""
        return "; ".join(f"{line.project.slug}: {line.amount}" for line in lines)


# Resources ---------------------------------------------------------------------------------------


class Column(Field):
    """One column of an import file: how to read it, whether a file must have it (and every row
    a value in it), and what to write in it."""

    def __init__(self, widget, *, help_text, required=False, empty_message=None, attribute=None):
        super().__init__(attribute=attribute, widget=widget)
        self.required = required
        self.help_text = help_text
        self.empty_message = empty_message or "required, but the cell is empty"


class SpreadsheetResource(resources.ModelResource):
    """Rows of a file read by Columns, then checked by `form_class`, the ModelForm the admin and
    officers use, so that a rule is written once: a row's cells become the form's data, over
    the record's own values for the columns the file leaves out.

    A row that breaks a rule is invalid, its errors keyed by column; any invalid row means
    nothing is imported, at the preview and again at confirmation (everything runs in a
    transaction, rolled back on any error).
    """

    form_class = None
    #: Columns saved after the row itself: many-to-many fields and lines of related tables.
    relation_columns = ()

    class Meta:
        use_transactions = True
        clean_model_instances = False  # the form has checked the row
        import_id_fields = []  # rows find their instance in get_instance()
        report_skipped = False  # blank rows

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        for name, field in self.fields.items():
            field.attribute = field.attribute or name
        self.first_rows = {}  # what identifies a row's record → the row that first had it

    @classmethod
    def columns(cls):
        return {field.column_name: field for field in cls().get_import_fields()}

    @classmethod
    def column_help(cls):
        return [
            {"name": name, "required": column.required, "help_text": column.help_text}
            for name, column in cls.columns().items()
        ]

    @classmethod
    def example_row(cls):
        """{column: value} of one row that imports as it is, for the template."""
        raise NotImplementedError

    @classmethod
    def check_headers(cls, headers):
        """Raise UploadError unless `headers` hold every required column and no unknown one."""
        columns = cls.columns()
        missing = [
            name for name, column in columns.items() if column.required and name not in headers
        ]
        unknown = [header for header in headers if header not in columns]
        problems = []
        if missing:
            problems.append(
                f"The file is missing the required column{'s' * (len(missing) > 1)}: "
                f"{', '.join(missing)}."
            )
        if unknown:
            problems.append(
                f"The file has {'columns' if len(unknown) > 1 else 'a column'} this import does "
                "not know: "
                f"{', '.join(unknown)}. The columns are: {', '.join(columns)}."
            )
            if len(headers) == 1 and ";" in headers[0]:
                problems.append("Its columns seem to be separated by “;” – use commas.")
        if problems:
            raise UploadError(" ".join([*problems, "Download the template to see them."]))

    def import_data(self, dataset, **kwargs):
        # All or nothing: roll back on invalid rows too, also when the import is confirmed.
        kwargs["use_transactions"] = True
        kwargs["rollback_on_validation_errors"] = True
        return super().import_data(dataset, **kwargs)

    def import_row(self, row, instance_loader, **kwargs):
        if all(is_blank(value) for value in row.values()):
            row_result = self.get_row_result_class()()
            row_result.import_type = RowResult.IMPORT_TYPE_SKIP
            return row_result
        return super().import_row(row, instance_loader, **kwargs)

    def cleaned(self, name, row):
        """The value of a column in `row`, or None when it is missing, blank or wrong."""
        try:
            return self.fields[name].clean(row) if name in row else None
        except ValueError:
            return None

    def import_instance(self, instance, row, **kwargs):
        errors, read = {}, {}
        for column in self.get_import_fields():
            name = column.column_name
            if name not in row:
                continue
            try:
                value = column.clean(row, **kwargs)
            except ValueError as error:
                errors[name] = ValidationError(str(error))
                continue
            if column.required and value in (None, "", [], {}):
                errors[name] = ValidationError(column.empty_message)
            elif value is not None or not isinstance(column.widget, ChoiceWidget):
                read[name] = value  # a blank choice keeps its value
        self.fill_blanks(read, errors)
        form = self.form_class(data=self.form_data(instance, read), instance=instance)
        if not form.is_valid():
            for name, problems in form.errors.items():
                # A cell that could not be read has already said why.
                errors.setdefault(name, ValidationError(problems))
        relations = {
            name: form.cleaned_data.get(name, value) if name in form.fields else value
            for name, value in read.items()
            if name in self.relation_columns
        }
        instance._imported_relations = relations
        self.check_row(instance, relations, errors, sheet_row=kwargs["row_number"] + 1)
        if errors:
            raise ValidationError(errors)

    def fill_blanks(self, read, errors):
        """Give blank cells that stand for another column's value that value."""

    def form_data(self, instance, read):
        """The form's data: the row's cells as the form reads them, over the record's own values
        for the columns the file leaves out."""
        data = {}
        values = model_to_dict(instance, fields=list(self.form_class.base_fields))
        for name in self.form_class.base_fields:
            data[name] = as_form_value(read[name] if name in read else values.get(name))
        return data

    def check_row(self, instance, relations, errors, sheet_row):
        """Add to `errors` ({column: message}) what only an import can break: the same record
        twice in a file, say."""

    def first_row_for(self, key, sheet_row):
        """The row that first had `key` in this file, or None if this is it."""
        first = self.first_rows.setdefault(key, sheet_row)
        return first if first != sheet_row else None

    def save_m2m(self, instance, row, **kwargs):
        if not self._is_using_transactions(kwargs) and self._is_dry_run(kwargs):
            return
        self.save_relations(instance, self.relation_columns)

    def save_relations(self, instance, names):
        for name in names:
            if name in instance._imported_relations:
                self.save_relation(instance, name, instance._imported_relations[name])

    def save_relation(self, instance, name, value):
        getattr(instance, self.fields[name].attribute).set(value)


@contextmanager
def history_skipped(instance):
    """Saves and many-to-many changes of `instance` that simple_history does not record."""
    instance.skip_history_when_saving = True
    try:
        yield
    finally:
        del instance.skip_history_when_saving


class ProjectResource(SpreadsheetResource):
    """One row per project; an existing project is updated when the row gives its slug."""

    form_class = ProjectForm
    relation_columns = ("partner_boroughs", "target_groups", "themes")  # see save_instance()
    BOROUGH_HELP = "Its name, GSS code (E09000012) or three-letter code (HCK), in any case."

    slug = Column(
        SlugWidget(),
        help_text="Leave blank for a new project (a slug is made from the title); give a slug to "
        "update that project, or to create a new one with it.",
    )
    title = Column(TextWidget(), required=True, help_text="The project’s name.")
    summary = Column(TextWidget(), required=True, help_text="One or two sentences.")
    description = Column(TextWidget(), help_text="The longer description.")
    lead_borough = Column(BoroughWidget(), required=True, help_text=BOROUGH_HELP)
    partner_boroughs = Column(
        BoroughWidget(many=True),
        help_text="Other authorities taking part, separated by “;”. " + BOROUGH_HELP,
    )
    themes = Column(
        TaxonomyWidget(Theme, "theme"),
        required=True,
        empty_message="give at least one theme, e.g. cohesion",
        help_text="At least one, by slug or name, separated by “;”: cohesion; isolation.",
    )
    target_groups = Column(
        TaxonomyWidget(TargetGroup, "target group"),
        help_text="By slug or name, separated by “;”: older-people; women.",
    )
    delivery_partners = Column(
        LinesWidget(), help_text="Organisations delivering it with the council, separated by “;”."
    )
    delivery_status = Column(
        ChoiceWidget(Project.DeliveryStatus, "delivery status"),
        help_text="planned, active, completed, paused or cancelled. Blank: planned for a new "
        "project, unchanged for an existing one.",
    )
    start_date = Column(DateWidget(), required=True, help_text="YYYY-MM-DD or DD/MM/YYYY.")
    end_date = Column(
        DateWidget(),
        help_text="YYYY-MM-DD or DD/MM/YYYY; not before the start. Blank while ongoing.",
    )
    people_reached = Column(WholeNumberWidget(), help_text="A whole number, or blank.")
    outcomes = Column(TextWidget(), help_text="What it achieved.")
    evaluation_url = Column(TextWidget(), help_text="A link to an evaluation, https://…")
    contact_name = Column(TextWidget(), help_text="A public contact.")
    contact_email = Column(TextWidget(), help_text="The public contact’s email address.")
    commission = Column(
        CommissionWidget(), help_text="The slug of the commission it follows from, or blank."
    )
    publication_state = Column(
        ChoiceWidget(Project.PublicationState, "publication state"),
        help_text="For a new project: draft (or blank), submitted, published or archived. An "
        "existing project keeps its state: change it with the review actions.",
    )

    class Meta:
        model = Project
        fields = (
            "slug",
            "title",
            "summary",
            "description",
            "lead_borough",
            "partner_boroughs",
            "themes",
            "target_groups",
            "delivery_partners",
            "delivery_status",
            "start_date",
            "end_date",
            "people_reached",
            "outcomes",
            "evaluation_url",
            "contact_name",
            "contact_email",
            "commission",
            "publication_state",
        )

    @classmethod
    def example_row(cls):
        return {
            "slug": "",
            "title": "Hackney Lunch Club for Neighbours",
            "summary": "Neighbours of every background cook and share a weekly lunch.",
            "description": "Volunteers host the lunch in three community centres.",
            "lead_borough": "Hackney",
            "partner_boroughs": "TWH; E09000019",
            "themes": "cohesion; isolation",
            "target_groups": "older-people; whole-community",
            "delivery_partners": "Hackney Volunteer Centre; Dalston Community Kitchen",
            "delivery_status": "active",
            "start_date": "2024-04-01",
            "end_date": "2026-03-31",
            "people_reached": "250",
            "outcomes": "Fewer older people say they feel lonely.",
            "evaluation_url": "",
            "contact_name": "Community Cohesion Team",
            "contact_email": "cohesion@example.org",
            "commission": "",
            "publication_state": "draft",
        }

    def get_instance(self, instance_loader, row):
        slug = self.cleaned("slug", row)
        return Project.objects.filter(slug=slug).first() if slug else None

    def check_row(self, instance, relations, errors, sheet_row):
        if instance.pk and "publication_state" not in errors:
            current = Project.objects.values_list("publication_state", flat=True).get(
                pk=instance.pk
            )
            if instance.publication_state != current:
                errors["publication_state"] = (
                    f"the project is {Project.PublicationState(current).label.lower()}; change "
                    "the publication state of an existing project with the review actions "
                    "(submit, publish, return, archive), not by import"
                )
        if instance.slug:
            key, column = instance.slug, "slug"
        else:
            key, column = slugify(instance.title or ""), "title"
        first = self.first_row_for(("project", key), sheet_row) if key else None
        if first and column not in errors:
            errors[column] = (
                f"the same project as row {first} – a project can appear only once in a file"
                + (" (give each its own slug if they differ)" if column == "title" else "")
            )

    def save_instance(self, instance, is_create, row, **kwargs):
        # simple_history records every many-to-many field at each save and at each change of
        # one: four records a project, most of the time an import takes. So that a row leaves
        # one record holding its relations, an existing project gets them before it is saved;
        # a new one after, recorded once more with its themes (saved last, and never empty).
        instance._imported_new = is_create
        if not is_create:
            with history_skipped(instance):
                self.save_relations(instance, self.relation_columns)
        super().save_instance(instance, is_create, row, **kwargs)
        if is_create:
            services.record_imported_state(project=instance, by=kwargs.get("user"))

    def save_m2m(self, instance, row, **kwargs):
        if instance._imported_new:
            with history_skipped(instance):
                self.save_relations(instance, self.relation_columns[:-1])
            self.save_relations(instance, self.relation_columns[-1:])

    def before_save_instance(self, instance, row, **kwargs):
        user = kwargs.get("user")
        if user is not None and user.is_authenticated:
            if instance.pk is None:
                instance.created_by = user
            instance.updated_by = user
            instance._history_user = user


class SettlementResource(SpreadsheetResource):
    """One row per settlement; an existing one is updated when a row has its funder, programme,
    recipient and first year. Its yearly allocations and project funding are replaced by the
    row's when the file has those columns."""

    form_class = SettlementForm
    relation_columns = ("allocations", "projects")
    IDENTITY = ("funder", "programme", "recipient", "first_year")

    funder = Column(
        FunderWidget(),
        required=True,
        help_text="The funder’s name or slug; it must already be in the admin.",
    )
    programme = Column(TextWidget(), required=True, help_text="The programme’s name.")
    recipient = Column(
        BoroughWidget(),
        required=True,
        help_text="The authority receiving it: its name, GSS code (E09000012) or three-letter "
        "code (HCK).",
    )
    total_amount = Column(
        MoneyWidget(), required=True, help_text="In pounds: 150000 or £150,000.00."
    )
    first_year = Column(
        FinancialYearWidget(), required=True, help_text="The first financial year: 2024-25 or 2024."
    )
    last_year = Column(
        FinancialYearWidget(),
        help_text="The last financial year: 2025-26 or 2025. Blank: the same as the first.",
    )
    restrictions = Column(
        ChoiceWidget(Restrictions, "restrictions level"),
        required=True,
        help_text="unrestricted, light-touch, ring-fenced or heavily-restricted (or their labels).",
    )
    conditions = Column(TextWidget(), help_text="What the funder requires.")
    awarded_on = Column(DateWidget(), required=True, help_text="YYYY-MM-DD or DD/MM/YYYY.")
    allocations = Column(
        AllocationsWidget(),
        help_text=f"Yearly amounts, “{AllocationsWidget.EXAMPLE}”, within its years and adding "
        "up to the total; or blank. They replace any it has.",
    )
    projects = Column(
        ProjectFundingsWidget(),
        attribute="project_fundings",
        help_text="Money for projects, “project-slug: 25000; another-slug: 10000”, in all at most "
        "the total; or blank. It replaces any it has.",
    )

    class Meta:
        model = FundingSettlement
        fields = (
            "funder",
            "programme",
            "recipient",
            "total_amount",
            "first_year",
            "last_year",
            "restrictions",
            "conditions",
            "awarded_on",
            "allocations",
            "projects",
        )

    @classmethod
    def example_row(cls):
        funder = Funder.objects.order_by("name", "pk").first()
        project = Project.objects.order_by("title", "pk").first()
        return {
            "funder": funder.name if funder else "Name of a funder in the admin",
            "programme": "Connected Communities",
            "recipient": "HCK",
            "total_amount": "150000",
            "first_year": "2024-25",
            "last_year": "2025-26",
            "restrictions": "light-touch",
            "conditions": "A short report each quarter.",
            "awarded_on": "2024-03-01",
            "allocations": AllocationsWidget.EXAMPLE,
            "projects": f"{project.slug}: 25000" if project else "",
        }

    def identity(self, row):
        """What identifies a row's settlement, or None while any part of it is missing."""
        key = {name: self.cleaned(name, row) for name in self.IDENTITY}
        return None if any(value in (None, "") for value in key.values()) else key

    def get_instance(self, instance_loader, row):
        key = self.identity(row)
        if key is None:
            return None
        matches = list(self.matching(key)[:2])
        return matches[0] if len(matches) == 1 else None

    @staticmethod
    def matching(key):
        return FundingSettlement.objects.filter(
            funder=key["funder"],
            programme__iexact=key["programme"],
            recipient=key["recipient"],
            first_year=key["first_year"],
        )

    def fill_blanks(self, read, errors):
        if read.get("last_year") is None and "last_year" not in errors:
            read["last_year"] = read.get("first_year")  # a single-year settlement

    def check_row(self, instance, relations, errors, sheet_row):
        years_read = not {"first_year", "last_year", NON_FIELD_ERRORS} & errors.keys()
        money_read = years_read and not {"total_amount", "last_year"} & errors.keys()
        if money_read and "allocations" not in errors:
            if "allocations" in relations:
                yearly = relations["allocations"]
            elif instance.pk:
                yearly = {a.financial_year: a.amount for a in instance.allocations.all()}
            else:
                yearly = {}
            try:
                instance.check_yearly_allocations(yearly)
            except ValidationError as error:
                errors["allocations"] = error
        if money_read and "projects" not in errors:
            if "projects" in relations:
                amounts = list(relations["projects"].values())
            elif instance.pk:
                amounts = [line.amount for line in instance.project_fundings.all()]
            else:
                amounts = []
            try:
                instance.check_project_allocations(amounts)
            except ValidationError as error:
                errors["projects"] = error
        if not set(self.IDENTITY) & errors.keys():
            key = {name: getattr(instance, name) for name in self.IDENTITY}
            first = self.first_row_for(
                (
                    "settlement",
                    key["funder"].pk,
                    key["programme"].casefold(),
                    key["recipient"].pk,
                    key["first_year"],
                ),
                sheet_row,
            )
            if first:
                errors[NON_FIELD_ERRORS] = (
                    f"the same settlement as row {first} (the same funder, programme, recipient "
                    "and first year) – a settlement can appear only once in a file"
                )
            elif instance.pk is None and self.matching(key).exists():
                errors[NON_FIELD_ERRORS] = (
                    "several settlements already have this funder, programme, recipient and first "
                    "year, so the import cannot tell which to update – edit them in the admin"
                )

    def save_relation(self, instance, name, value):
        if name == "allocations":
            sync_lines(instance.allocations, "financial_year", value)
        else:
            sync_lines(
                instance.project_fundings,
                "project_id",
                {project.pk: amount for project, amount in value.items()},
            )


def sync_lines(manager, key, amounts):
    """Make the lines of `manager` exactly {key value: amount}, changing only what differs."""
    existing = {getattr(line, key): line for line in manager.all()}
    for value, amount in amounts.items():
        line = existing.pop(value, None)
        if line is None:
            manager.create(**{key: value, "amount": amount})
        elif line.amount != amount:
            line.amount = amount
            line.save(update_fields=["amount"])
    for line in existing.values():
        line.delete()


def error_messages(result):
    """Every problem of an import result as "Row 3, lead_borough: …", in row order."""
    found = []
    for row in result.invalid_rows:
        for field, messages_ in row.error_dict.items():
            where = f"Row {row.number + 1}" + ("" if field == NON_FIELD_ERRORS else f", {field}")
            found += [(row.number, f"{where}: {message}") for message in messages_]
    for row in result.error_rows:
        found += [(row.number, f"Row {row.number + 1}: {error.error}") for error in row.errors]
    found.sort(key=lambda item: item[0])
    return [str(error.error) for error in result.base_errors] + [message for _, message in found]


def template_response(resource_class, filename):
    """A CSV file of the resource's columns and one example row, for curators to fill in."""
    columns = list(resource_class.columns())
    example = resource_class.example_row()
    if set(example) != set(columns):
        raise ValueError(f"The example row of {resource_class.__name__} does not fit its columns.")
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write("\ufeff")  # so that spreadsheets read it as UTF-8
    writer = csv.writer(response)
    writer.writerow(columns)
    writer.writerow([example[column] for column in columns])
    return response


# The admin ---------------------------------------------------------------------------------------


class SpreadsheetImportForm(ImportForm):
    """The upload form: the file is checked here, where import-export first reads it, so a file
    it cannot import is refused with a message and changes nothing."""

    def __init__(self, formats, resources, **kwargs):
        super().__init__(formats, resources, **kwargs)
        self.formats = formats
        self.resources = resources
        upload = self.fields["import_file"]
        upload.help_text = (
            f"A .csv file in UTF-8 or an Excel workbook (.xlsx) of at most {MAX_UPLOAD_MB} MB "
            f"and {MAX_ROWS:,} rows."
        )
        upload.error_messages["empty"] = "The file is empty: it has no column names and no rows."
        upload.widget.attrs["accept"] = ".csv,.xlsx"
        self.fields["format"].required = False
        self.fields["format"].help_text = "Taken from the file’s extension, .csv or .xlsx."

    def clean(self):
        cleaned = super().clean()
        upload = cleaned.get("import_file")
        if upload is None:
            return cleaned
        try:
            format_index = self.format_of(upload.name)
            if upload.size > MAX_UPLOAD_BYTES:
                raise UploadError(
                    f"The file is {upload.size / 1024 / 1024:.1f} MB; an import file can be at "
                    f"most {MAX_UPLOAD_MB} MB – split it into smaller files."
                )
            dataset = self.formats[format_index]().create_dataset(b"".join(upload.chunks()))
            self.resources[self.resource_index()].check_headers(dataset.headers)
            if not any(any(not is_blank(cell) for cell in row) for row in dataset):
                raise UploadError("The file has column names but no rows to import.")
        except UploadError as error:
            self.add_error("import_file", str(error))
        else:
            cleaned["format"] = str(format_index)
        return cleaned

    def format_of(self, filename):
        extension = os.path.splitext(filename)[1].lower().lstrip(".")
        for index, file_format in enumerate(self.formats):
            if file_format().get_extension() == extension:
                return index
        if extension == "xls":
            raise UploadError(
                "Excel 97–2003 workbooks (.xls) cannot be imported – save it as an Excel "
                "Workbook (.xlsx) or as CSV UTF-8."
            )
        raise UploadError(f"“{filename}” is not a CSV (.csv) or Excel (.xlsx) file.")

    def resource_index(self):
        try:
            return int(self.cleaned_data.get("resource") or 0)
        except ValueError:
            return 0


class SpreadsheetImportMixin(ImportMixin):
    """Import from CSV and XLSX with a preview, all or nothing, and a template to download.

    Curators need both the add and the change permission of the model to import.
    """

    import_formats = FORMATS
    import_form_class = SpreadsheetImportForm
    import_template_name = "admin/projects/spreadsheet_import.html"
    import_export_change_list_template = "admin/projects/spreadsheet_import_change_list.html"

    def has_import_permission(self, request):
        return self.has_add_permission(request) and self.has_change_permission(request)

    def is_skip_import_confirm_enabled(self):
        return False  # the preview is how curators check an import

    def get_urls(self):
        app_label, model_name = self.get_model_info()
        name = f"{app_label}_{model_name}_import_template"
        view = self.admin_site.admin_view(self.import_template_view)
        return [path("import/template/", view, name=name), *super().get_urls()]

    def import_resource_class(self, request):
        return self.get_import_resource_classes(request)[0]

    def import_template_view(self, request):
        if not self.has_import_permission(request):
            raise PermissionDenied
        filename = f"{slugify(self.opts.verbose_name_plural)}-import-template.csv"
        return template_response(self.import_resource_class(request), filename)

    def import_action(self, request, **kwargs):
        response = super().import_action(request, **kwargs)
        context = getattr(response, "context_data", None)
        if context is not None:
            context["import_columns"] = self.import_resource_class(request).column_help()
            context["import_limits"] = {"megabytes": MAX_UPLOAD_MB, "rows": MAX_ROWS}
            if context.get("result") is not None:
                context["row_errors"] = error_messages(context["result"])
        return response

    def add_data_read_fail_error_to_form(self, form, e):
        if isinstance(e, UploadError):
            form.add_error("import_file", str(e))
        else:
            super().add_data_read_fail_error_to_form(form, e)

    def process_result(self, result, request):
        problems = error_messages(result)
        if problems:  # the data changed since the preview; the transaction was rolled back
            shown = "; ".join(problems[:5]) + (" …" if len(problems) > 5 else "")
            messages.error(
                request,
                f"Nothing was imported, because some rows no longer import: {shown}. Upload the "
                "file again to check it.",
            )
            app_label, model_name = self.get_model_info()
            url = reverse(f"admin:{app_label}_{model_name}_import")
            return HttpResponseRedirect(url)
        return super().process_result(result, request)
