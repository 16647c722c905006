"""CSV files people open in a spreadsheet: no cell is ever run as a formula.

Excel, LibreOffice and Google Sheets run a cell that starts with =, +, - or @ (also after
leading blanks, or behind a tab or carriage return) as a formula, so a worker named
``=HYPERLINK("http://evil","Click")`` would become a live link, or worse, in the office's
spreadsheet. Every CSV the product writes goes through ``writer``: a text cell that starts that
way is written with an apostrophe in front, which makes it plain text to a spreadsheet (some
show the apostrophe, every one shows the rest as written). A phone is text too: ``+79121234567``
is written ``'+79121234567`` and reads as the phone, plus and every digit; left bare, a
spreadsheet would compute the number 79121234567 and show 7.91E+10. Numbers we write ourselves
(coordinates, rates, ratings) are not text and stay as they are, a negative longitude included.
``plain_cell`` takes the apostrophe off again, so a file we exported imports back unchanged.
"""
import csv

_FORMULA_START = frozenset("=+-@＝＋－＠")  # the full-width forms too: some spreadsheets fold them
_CONTROL_START = frozenset("\t\r\n")


def _needs_mark(text: str) -> bool:
    # Apostrophes already in front are looked through, so that plain_cell undoes safe_cell exactly.
    rest = text.lstrip("'")
    return rest[:1] in _CONTROL_START or rest.lstrip(" \t\r\n")[:1] in _FORMULA_START


def safe_cell(value):
    """Return value as a spreadsheet will show it: a text cell that would start a formula gets an apostrophe."""
    return "'" + value if isinstance(value, str) and _needs_mark(value) else value


def plain_cell(text: str) -> str:
    """Undo safe_cell: take off the apostrophe it adds, and only that one."""
    return text[1:] if text[:1] == "'" and _needs_mark(text[1:]) else text


class _SafeWriter:
    def __init__(self, stream, **options):
        self._writer = csv.writer(stream, **options)

    def writerow(self, row):
        return self._writer.writerow([safe_cell(value) for value in row])

    def writerows(self, rows):
        for row in rows:
            self.writerow(row)


def writer(stream, **options) -> _SafeWriter:
    """Return a csv.writer over stream whose text cells are written through safe_cell."""
    return _SafeWriter(stream, **options)
