"""Excel files written the same way by every export (xlsxwriter): Chinese headers in bold, one sheet per table,
the header row frozen, columns as wide as their content usually is, and typed cells — a date is an Excel date
(Beijing time, naive: Excel has no time zones), a count a number — so that the office can sort and sum them.

Text is always written as text (write_string): a title that starts with "=" stays a title, never a formula.
"""

import datetime as dt
import os
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

import xlsxwriter
from django.http import FileResponse
from django.utils import timezone

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TEXT, INT, NUMBER, DATE, DATETIME = "text", "int", "number", "date", "datetime"
MAX_CELL_TEXT = 32767  # Excel's limit for one cell; xlsxwriter refuses longer strings


@dataclass(frozen=True)
class Column:
    header: str
    width: float = 12  # in Excel's character widths: a Chinese character takes about two
    kind: str = TEXT


def local(value: dt.datetime) -> dt.datetime:
    """An aware time as the college reads it, naive (an Excel cell holds no zone)."""
    return timezone.localtime(value, timezone.get_default_timezone()).replace(tzinfo=None)


class Sheet:
    """One table on its own worksheet: the header written and frozen, then rows in order (constant memory mode
    needs them in order, and this writes nothing else)."""

    def __init__(self, book: "Book", name: str, columns: Sequence[Column]):
        self.columns = list(columns)
        self.formats = book.formats
        self.worksheet = book.workbook.add_worksheet(name[:31])  # Excel's limit on a sheet's name
        for index, column in enumerate(self.columns):
            self.worksheet.set_column(index, index, column.width)
        for index, column in enumerate(self.columns):
            self.worksheet.write_string(0, index, column.header, self.formats["header"])
        self.worksheet.freeze_panes(1, 0)
        self.next_row = 1

    def row(self, values: Sequence) -> None:
        write, at = self.worksheet, self.next_row
        for index, (column, value) in enumerate(zip(self.columns, values, strict=True)):
            if value is None or value == "":
                write.write_blank(at, index, None)
            elif column.kind in (DATE, DATETIME):
                if isinstance(value, dt.datetime) and value.tzinfo is not None:
                    value = local(value)
                write.write_datetime(at, index, value, self.formats[column.kind])
            elif column.kind == INT:
                write.write_number(at, index, int(value))
            elif column.kind == NUMBER:
                write.write_number(
                    at, index, float(value) if isinstance(value, Decimal) else value, self.formats[NUMBER]
                )
            else:
                write.write_string(at, index, str(value)[:MAX_CELL_TEXT])
        self.next_row += 1

    def rows(self, values: Iterable[Sequence]) -> None:
        for row in values:
            self.row(row)


class Book:
    """A workbook with the shared formats; `sheet()` adds a table."""

    def __init__(self, path: str, *, constant_memory: bool = False):
        self.workbook = xlsxwriter.Workbook(
            path,
            {
                # Constant memory: each row is flushed to a temporary file once the next one starts, so 100,000
                # rows take the memory of one row.
                "constant_memory": constant_memory,
                "strings_to_formulas": False,
                "strings_to_urls": False,
                "strings_to_numbers": False,
                "tmpdir": tempfile.gettempdir(),
            },
        )
        add = self.workbook.add_format
        self.formats = {
            "header": add({"bold": True, "bg_color": "#E7EEF7", "border": 1, "text_wrap": True}),
            DATE: add({"num_format": "yyyy-mm-dd"}),
            DATETIME: add({"num_format": "yyyy-mm-dd hh:mm"}),
            NUMBER: add({"num_format": "0.00"}),
        }

    def sheet(self, name: str, columns: Sequence[Column]) -> Sheet:
        return Sheet(self, name, columns)


def xlsx_response(
    build: Callable[[Book], None], *, filename: str, constant_memory: bool = False
) -> FileResponse:
    """Write the workbook to a temporary file and stream it back as an attachment.

    The file is unlinked as soon as it is open again for reading: the open handle keeps its content until the
    response is sent and closed, and nothing is left behind if the client goes away (POSIX semantics).
    """
    handle, path = tempfile.mkstemp(suffix=".xlsx")
    os.close(handle)
    try:
        book = Book(path, constant_memory=constant_memory)
        try:
            build(book)
        finally:
            book.workbook.close()
        stream = open(path, "rb")  # noqa: SIM115 - closed by the FileResponse once sent
    finally:
        os.unlink(path)
    response = FileResponse(stream, as_attachment=True, filename=filename, content_type=XLSX)
    response["X-Content-Type-Options"] = "nosniff"
    return response
