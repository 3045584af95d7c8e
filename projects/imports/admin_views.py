"""The admin's import and export screens: the upload form that checks a file where
django-import-export first reads it, the template to download, a confirmation that imports
nothing if any row fails, and the export of the list as shown (its filters and search applied)
in the import's own columns, so a file can be exported, corrected and imported back."""

import csv
import os

from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied
from django.http import HttpResponse, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.text import slugify
from import_export.admin import ImportExportMixin
from import_export.forms import ImportForm

from .files import FORMATS, MAX_ROWS, MAX_UPLOAD_BYTES, MAX_UPLOAD_MB, UploadError, is_blank


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


class SpreadsheetImportMixin(ImportExportMixin):
    """Import from CSV and XLSX with a preview, all or nothing, and a template to download;
    export the list, as filtered, to either format in the same columns.

    Curators need both the add and the change permission of the model to import, and the view
    permission to export.
    """

    import_formats = FORMATS
    export_formats = FORMATS
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
