"""What every download says about itself, and the way every download is answered.

A CSV file has no place for notes (a comment row is not CSV), so each download states its
licence, source, when it was produced, the filters it was made with and, on a demo copy, that
its data is fictional, in its HTTP headers, and also in the file wherever the format has room:
the JSON wrapper's `meta`, the spreadsheet's "About" sheet, the 360Giving package's fields.

A workbook is streamed as it is zipped, its rows written into its sheet as they come from the
database: a worker's memory stays flat whatever the download's size.
"""

import io
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import chain
from urllib.parse import urlencode
from xml.sax.saxutils import escape

from django.conf import settings
from django.http import StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils import get_column_letter

from .downloads import RETRY_AFTER, DownloadPlaces, HeldWhileStreaming, TooManyDownloads

PUBLISHER = "London Integration Projects Portal"
DEMO_NOTICE = (
    "Fictional demonstration data: no project, commission, funder or amount in it is real."
)
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PIECE = 65536  # bytes of a workbook's rows written before what is zipped is sent
ROWS_SHEET = "xl/worksheets/sheet1.xml"  # the first sheet's part in a workbook openpyxl makes

# Parameters that choose what part of a list a page shows, not which rows it holds.
NOT_FILTERS = ("page", "page_size")


@dataclass
class About:
    """What a download says about itself."""

    title: str
    #: The page of the list it was downloaded from, with its filters.
    source: str
    #: The download's own address.
    url: str
    #: The filters it was made with: {parameter: [values]}, as the list's address gives them.
    filters: dict
    produced_at: object = field(default_factory=timezone.now)

    @classmethod
    def of(cls, request, *, title, list_url):
        filters = {name: values for name, values in request.GET.lists() if name not in NOT_FILTERS}
        query = request.GET.copy()
        for name in NOT_FILTERS:
            query.pop(name, None)
        source = request.build_absolute_uri(list_url)
        if query:
            source += "?" + query.urlencode()
        return cls(title=title, source=source, url=request.build_absolute_uri(), filters=filters)

    @property
    def licence(self):
        return settings.OPEN_DATA_LICENCE

    @property
    def demo(self):
        return settings.DEMO_NOTICE

    @property
    def produced(self):
        return self.produced_at.isoformat(timespec="seconds")

    @property
    def filter_text(self):
        """The filters as an encoded query string (ASCII, as a header may carry), or "none"."""
        query = urlencode(
            [(name, value) for name, values in self.filters.items() for value in values]
        )
        return query or "none"

    def as_json(self):
        """The `meta` of a JSON download."""
        meta = {
            "title": self.title,
            "publisher": PUBLISHER,
            "licence": self.licence,
            "source": self.url,
            "list": self.source,
            "produced_at": self.produced,
            "filters": self.filters,
        }
        if self.demo:
            meta["demo"] = DEMO_NOTICE
        return meta

    def rows(self):
        """The spreadsheet's "About" sheet: (what, value) rows."""
        rows = [
            ("Title", self.title),
            ("Publisher", PUBLISHER),
            ("Licence", self.licence["name"]),
            ("Licence address", self.licence["url"]),
            ("Source", self.source),
            ("Downloaded from", self.url),
            ("Produced", self.produced),
            ("Filters", self.filter_text),
        ]
        if self.demo:
            rows.insert(0, ("Demo", DEMO_NOTICE))
        return rows

    def headers(self):
        """HTTP headers saying the same, in ASCII (the filters as the address encodes them)."""
        headers = {
            "Link": f'<{self.licence["url"]}>; rel="license"',
            "X-Data-Licence": self.licence["name"],
            "X-Data-Source": self.source,
            "X-Data-Produced": self.produced,
            "X-Data-Filters": self.filter_text,
        }
        if self.demo:
            headers["X-Data-Demo"] = DEMO_NOTICE
        return headers

    def filename(self, stem, extension):
        fictional = "-fictional-demo" if self.demo else ""
        return f"{stem}{fictional}-{timezone.localdate(self.produced_at).isoformat()}.{extension}"


def download(request, stream, *, about, stem, extension, content_type, busy_template, list_name):
    """The streamed answer to a download, holding its places (portal/downloads.py) until the
    stream ends; 429 with Retry-After when none is free, on a page leading back to the list.
    `stream` is called once a place is held."""
    try:
        places = DownloadPlaces(request)
    except TooManyDownloads:
        back = {"list_url": about.source, "list_name": list_name}
        response = render(request, busy_template, back, status=429)
        response["Retry-After"] = str(RETRY_AFTER)
        return response
    response = StreamingHttpResponse(
        HeldWhileStreaming(stream(), places), content_type=content_type
    )
    response["Content-Disposition"] = f'attachment; filename="{about.filename(stem, extension)}"'
    for name, value in about.headers().items():
        response[name] = value
    return response


class Drained:
    """What a zip file writes, kept until taken: a file that cannot seek, so that zipfile
    writes the archive in one pass, as it goes."""

    def __init__(self):
        self.parts = []

    def write(self, data):
        self.parts.append(bytes(data))
        return len(data)

    def flush(self):
        pass

    def take(self):
        data, self.parts = b"".join(self.parts), []
        return data


def cell_xml(reference, value):
    """A worksheet cell: a number, or text held in the cell itself (never a formula), without
    the control characters XML cannot carry."""
    if value is None or value == "":
        return ""
    if isinstance(value, int | Decimal | float) and not isinstance(value, bool):
        return f'<c r="{reference}"><v>{value}</v></c>'
    text = escape(ILLEGAL_CHARACTERS_RE.sub("", str(value)))
    return f'<c r="{reference}" t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>'


def sheet_rows_xml(header, rows):
    """The worksheet's rows as XML, a row at a time, the header first."""
    letters = [get_column_letter(index) for index in range(1, len(header) + 1)]
    for number, row in enumerate(chain([header], rows), start=1):
        cells = "".join(
            cell_xml(f"{letter}{number}", value) for letter, value in zip(letters, row, strict=True)
        )
        yield f'<row r="{number}">{cells}</row>'


def xlsx_pieces(sheet_title, header, rows, about):
    """A workbook of one sheet of `rows` under `header`, then an "About" sheet, streamed as it
    is zipped. openpyxl makes the workbook with the sheet left empty (every part but the
    sheet's rows); the rows are written into that sheet's XML as they come from the database.
    """
    skeleton = Workbook(write_only=True)
    skeleton.create_sheet(sheet_title)
    about_sheet = skeleton.create_sheet("About")
    about_sheet.append(["About", "Value"])
    for row in about.rows():
        about_sheet.append(row)
    made = io.BytesIO()
    skeleton.save(made)
    drained = Drained()
    with (
        zipfile.ZipFile(made) as parts,
        zipfile.ZipFile(drained, "w", zipfile.ZIP_DEFLATED) as xlsx,
    ):
        for part in parts.infolist():
            content = parts.read(part)
            if part.filename != ROWS_SHEET:
                xlsx.writestr(part.filename, content)
                continue
            before, after = content.decode().split("<sheetData></sheetData>")
            with xlsx.open(part.filename, "w", force_zip64=True) as sheet:
                sheet.write(f"{before}<sheetData>".encode())
                written = 0
                for row_xml in sheet_rows_xml(header, rows):
                    data = row_xml.encode()
                    sheet.write(data)
                    written += len(data)
                    if written >= PIECE:
                        written = 0
                        yield drained.take()
                sheet.write(f"</sheetData>{after}".encode())
            yield drained.take()
    yield drained.take()
