"""Reading an import file: UTF-8 CSV or the first sheet of an .xlsx workbook, at most
MAX_UPLOAD_MB and MAX_ROWS rows, into a tablib Dataset. Every problem is an UploadError whose
text is shown to the curator.

A workbook is a zip of XML that can expand a thousandfold, and a sheet can declare a cell a
hundred million rows down: before parsing, a workbook is refused when it expands beyond
MAX_EXPANDED_MB or declares more than MAX_LINES rows, and its rows are read one at a time,
stopping at MAX_LINES whatever it declared.
"""

import csv
import io
import re
import warnings
import zipfile

import openpyxl
import tablib
from import_export.formats.base_formats import CSV, XLSX
from openpyxl.utils import get_column_letter

MAX_UPLOAD_MB = 5
MAX_UPLOAD_BYTES = MAX_UPLOAD_MB * 1024 * 1024
MAX_ROWS = 1000  # a project row takes ~30 ms to check, and as long again to save
# Lines of a file, blank ones included, read at most: room for blank rows between the filled.
MAX_LINES = 10 * MAX_ROWS
# What an .xlsx may expand to once unzipped: a full sheet of MAX_ROWS rows is a few MB.
MAX_EXPANDED_MB = 50


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
        if number > MAX_LINES:
            raise UploadError(too_many_lines())
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


def too_many_lines():
    return (
        f"The file has more than {MAX_LINES:,} lines, blank ones included; an import reads at "
        f"most {MAX_LINES:,} – delete the empty rows below your data, or split the file."
    )


def expanded_bytes(data):
    """How large the workbook in `data` is once unzipped, from its zip directory."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as workbook:
            return sum(member.file_size for member in workbook.infolist())
    except (zipfile.BadZipFile, ValueError):
        return 0  # not a zip: openpyxl says so below


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
    if expanded_bytes(data) > MAX_EXPANDED_MB * 1024 * 1024:
        raise UploadError(
            f"The workbook expands to more than {MAX_EXPANDED_MB} MB, far more than "
            f"{MAX_ROWS:,} rows need. Save its first sheet as “CSV UTF-8 (Comma delimited)” and "
            "upload that, or remove what else it holds."
        )
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
        if (sheet.max_row or 0) > MAX_LINES:
            raise UploadError(too_many_lines())
        # Some programs record the size of a sheet wrongly: read what is there, a row at a
        # time, up to MAX_LINES.
        sheet.reset_dimensions()
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
