"""Importing projects and funding settlements from CSV files and Excel workbooks in the admin.

django-import-export runs the flow: a curator uploads a file, sees a preview (a dry run inside a
transaction that is rolled back), and confirms. Here:

- files: reading a file (UTF-8 CSV or the first sheet of an .xlsx workbook, within the limits)
  into rows, or an UploadError saying why not;
- cells: widgets that read the cells people write ("Hackney", "E09000012", "HCK"; "2024-25";
  "£125,000") and say clearly what is wrong with one they cannot read;
- resources: ProjectResource and SettlementResource, one row per project or settlement, checked
  by the very ModelForm the admin and officers use; errors name the row and the column; saved
  all or nothing;
- admin_views: the upload form, the "Download a template (CSV)" view and the confirm step that
  the ModelAdmins mix in (SpreadsheetImportMixin).

Rows are numbered as a spreadsheet numbers them: the column names are row 1, the first record is
row 2.
"""

from .admin_views import SpreadsheetImportMixin
from .files import MAX_ROWS, MAX_UPLOAD_MB
from .resources import ProjectResource, SettlementResource

__all__ = [
    "MAX_ROWS",
    "MAX_UPLOAD_MB",
    "ProjectResource",
    "SettlementResource",
    "SpreadsheetImportMixin",
]
