"""Spreadsheets a hostile curator might upload, for the import tests and the benchmark: small
files that declare, or unzip to, far more than an import takes."""

import io
import re
import warnings
import zipfile

import openpyxl


def workbook_bytes(book):
    """The bytes of an openpyxl workbook, as a file holds them."""
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # openpyxl's own use of utcnow()
        book.save(buffer)
    return buffer.getvalue()


def rewritten_sheet(content, rewrite):
    """The workbook `content` with its sheet's XML passed through `rewrite`."""
    source = zipfile.ZipFile(io.BytesIO(content))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for member in source.infolist():
            data = source.read(member)
            if member.filename.startswith("xl/worksheets/"):
                data = rewrite(data)
            target.writestr(member, data)
    return buffer.getvalue()


def far_cell_workbook(declared=True):
    """A workbook of a few KB with its column names and one cell 100,000,000 rows down (beyond
    what Excel allows, as a hostile file has it), its sheet's size declared or not."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["title", "summary"])
    sheet.cell(row=1_000_000, column=1, value="far away")

    def further(xml):
        xml = xml.replace(b"1000000", b"100000000")
        return xml if declared else re.sub(rb"<dimension[^>]*/>", b"", xml)

    return rewritten_sheet(workbook_bytes(book), further)


def expanding_workbook(megabytes=60):
    """A workbook of a few hundred KB whose sheet unzips to `megabytes` of blank space."""
    book = openpyxl.Workbook()
    book.active.append(["title", "summary"])
    blank = b" " * megabytes * 1_000_000
    return rewritten_sheet(
        workbook_bytes(book), lambda xml: xml.replace(b"<sheetData>", b"<sheetData>" + blank)
    )


def long_workbook(rows):
    """A workbook with its column names and `rows` rows of one character each."""
    book = openpyxl.Workbook()
    book.active.append(["title", "summary"])
    for _ in range(rows):
        book.active.append(["x"])
    return workbook_bytes(book)
