"""Workers in and out as CSV: an import checked row by row and saved whole or not at all; an export.

Optional columns shifts, no_shows and rating carry a worker's record from before (an agency's own
pool): given together, they become his opening rating event (ratings.service.open_record), which
later events build on.

The export is written for spreadsheets (core.spreadsheet): a text cell that would start a formula,
a phone's leading plus included, gets an apostrophe in front, which the import takes off again.
"""
import csv
import io
from dataclasses import dataclass, field
from datetime import datetime

from marshmallow import Schema, ValidationError, fields, validate, validates
from sqlalchemy import select

from core import audit, spreadsheet
from core.i18n import lazy_gettext as _l
from core.phones import PhoneField
from core.timeutil import utcnow
from extensions import db
from franchise.models import Region
from ratings import service as ratings
from workers import skills
from workers.models import Worker

REQUIRED = ("first_name", "last_name", "phone", "region")
CARD = REQUIRED + ("skills", "language", "email", "address", "lat", "lon", "max_travel_km", "notes")
OPENING = ("shifts", "no_shows", "rating")  # the worker's record so far: all three or none
COLUMNS = CARD + OPENING
# What the export adds after the card: the worker's figures now, for reading; an import ignores them
# (a record is carried by shifts, no_shows and rating together).
EXPORTED_FIGURES = ("status", "current_rating", "current_reliability")
MAX_ROWS = 20_000
_MOST = ratings.MAX_OPENING_COUNT
_SHIFTS = _l("Shifts worked: a whole number from 0 to %(n)s.", n=_MOST)
_NO_SHOWS = _l("No-shows: a whole number from 0 to %(n)s.", n=_MOST)
_RATING = _l("The rating is a number from 1.00 to 5.00.")


class _Row(Schema):
    first_name = fields.String(required=True, validate=validate.Length(min=1, max=80))
    last_name = fields.String(required=True, validate=validate.Length(min=1, max=80))
    phone = PhoneField(required=True)
    region = fields.String(required=True, validate=validate.Length(min=1, max=16))
    skills = fields.String(load_default="", validate=validate.Length(max=400))
    language = fields.String(load_default="ru", validate=validate.OneOf(["ru", "en"]))
    email = fields.Email(load_default=None, allow_none=True)
    address = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=300))
    lat = fields.Float(load_default=None, allow_none=True, validate=validate.Range(-90, 90))
    lon = fields.Float(load_default=None, allow_none=True, validate=validate.Range(-180, 180))
    max_travel_km = fields.Decimal(load_default=None, allow_none=True, places=2, validate=validate.Range(1, 300))
    notes = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=5000))
    shifts = fields.Integer(load_default=None, allow_none=True, strict=False, validate=validate.Range(0, _MOST, error=_SHIFTS),
                            error_messages={"invalid": _SHIFTS})
    no_shows = fields.Integer(load_default=None, allow_none=True, strict=False,
                              validate=validate.Range(0, _MOST, error=_NO_SHOWS), error_messages={"invalid": _NO_SHOWS})
    rating = fields.Decimal(load_default=None, allow_none=True, validate=validate.Range(1, 5, error=_RATING),
                            error_messages={"invalid": _RATING})

    @validates("rating")
    def _two_places(self, value, **kwargs):
        if value is not None and value != round(value, 2):
            raise ValidationError(_l("The rating has at most two decimals, like 4.75."))


@dataclass
class ImportReport:
    created: int = 0
    merged: int = 0
    errors: list[tuple[int, str, str]] = field(default_factory=list)  # (line, column, message)
    warnings: list[tuple[int, str, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def _phone_in_pool(phones: set[str]) -> set[str]:
    """Return which phones any worker of any region already has.

    Deliberately reads the table, not the tenant-scoped model: the pool is shared, and a
    phone held in another region must be reported rather than fail the whole commit.
    """
    table = Worker.__table__
    found = set()
    chunk = list(phones)
    for i in range(0, len(chunk), 1000):
        found |= set(db.session.execute(select(table.c.phone).where(table.c.phone.in_(chunk[i:i + 1000]))).scalars())
    return found


def _text(data: bytes) -> str | None:
    """The file as text: UTF-8 (with or without Excel's byte-order mark), else Windows-1251 as Excel saves
    Cyrillic; None if it is neither (binary, or a byte Windows-1251 leaves undefined)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp1251")
    except UnicodeDecodeError:
        return None
    return None if "\x00" in text else text


def _delimiter(text: str) -> str:
    """The header row's separator: ";" (Excel in a Russian locale) or ","."""
    header = text.split("\n", 1)[0]
    return ";" if header.count(";") > header.count(",") else ","


def import_workers(data: bytes, on_duplicate: str = "report") -> ImportReport:
    """Import workers from CSV bytes; save all rows and commit only if every row is valid.

    A phone already in the pool is an error with on_duplicate="report"; with "merge" the
    visible worker's card takes the row's non-empty values (skills are added).
    """
    report = ImportReport()
    text = _text(data)
    if text is None:
        report.errors.append((0, "", _l("The file is neither UTF-8 nor Windows-1251 text.")))
        return report
    reader = csv.DictReader(io.StringIO(text), delimiter=_delimiter(text))
    missing = [c for c in REQUIRED if c not in (reader.fieldnames or [])]
    if missing:
        report.errors.append((1, ",".join(missing), _l("Missing columns: %(columns)s.", columns=", ".join(missing))))
        return report
    regions = {r.code.upper(): r.id for r in db.session.scalars(select(Region))}
    rows, seen = [], {}
    for line, raw in enumerate(reader, start=2):
        if line - 1 > MAX_ROWS:
            report.errors.append((line, "", _l("At most %(n)s rows per file.", n=MAX_ROWS)))
            break
        values = {k: (spreadsheet.plain_cell(v.strip()).strip() if isinstance(v, str) else v)
                  for k, v in raw.items() if k in COLUMNS}
        values = {k: v for k, v in values.items() if v not in ("", None) or k in REQUIRED}
        if "rating" in values:
            values["rating"] = values["rating"].replace(",", ".")  # 4,75 as a Russian spreadsheet writes it
        try:
            row = _Row().load(values)
        except ValidationError as exc:
            for column, messages in exc.messages.items():
                # a lazy (translated) message comes bare, not in a list
                messages = messages if isinstance(messages, list) else [messages]
                report.errors.append((line, column, " ".join(map(str, messages))))
            continue
        row["region_id"] = regions.get(row.pop("region").upper())
        if row["region_id"] is None:
            report.errors.append((line, "region", _l("Unknown region code, or a region you do not work in.")))
            continue
        try:
            row["skill_mask"] = skills.mask_for([s.strip() for s in row.pop("skills").split(";") if s.strip()])
        except skills.SkillError as exc:
            report.errors.append((line, "skills", str(exc)))
            continue
        if (row["lat"] is None) != (row["lon"] is None):
            report.errors.append((line, "lat", _l("Give both latitude and longitude, or neither.")))
            continue
        if row["phone"] in seen:
            report.errors.append((line, "phone", _l("The same phone as line %(line)s.", line=seen[row["phone"]])))
            continue
        given = [c for c in OPENING if row[c] is not None]
        if given and len(given) < len(OPENING):
            missing = ", ".join(c for c in OPENING if row[c] is None)
            report.errors.append((line, missing, _l("Give shifts, no_shows and rating together (the worker's record "
                                                    "so far), or none of them.")))
            continue
        seen[row["phone"]] = line
        row["given"] = set(values)
        rows.append((line, row))
    rows = _check_pool(rows, on_duplicate, report)
    if not report.errors:
        _apply(rows, report)
    if report.errors:
        db.session.rollback()
        report.created = report.merged = 0
    else:
        db.session.commit()
    return report


def _check_pool(rows, on_duplicate: str, report: ImportReport) -> list:
    """Pair each valid row with the card it updates (None: a new worker), reporting in the same pass
    every phone already in the pool that the row may not update."""
    taken = _phone_in_pool({row["phone"] for _line, row in rows})
    visible = {w.phone: w for w in db.session.scalars(select(Worker).where(Worker.phone.in_(taken)))} if taken else {}
    paired = []
    for line, row in rows:
        if row["phone"] not in taken:
            paired.append((line, row, None))
        elif on_duplicate == "merge" and row["phone"] in visible:
            paired.append((line, row, visible[row["phone"]]))
        else:
            report.errors.append((line, "phone", _l("A worker with this phone is already in the pool.")))
    return paired


def _apply(rows, report: ImportReport) -> None:
    now = utcnow()
    for line, row, worker in rows:
        opening = {c: row.pop(c) for c in OPENING}
        given = row.pop("given")
        if worker is None:
            if row["lat"] is None:
                report.warnings.append((line, "address", _l("No coordinates: look the address up from the card before dispatching.")))
            worker = Worker(status="applicant", **{k: v for k, v in row.items() if v is not None})
            db.session.add(worker)
            report.created += 1
        else:  # "update the card": every column the row gives (skills are added), nothing it leaves empty
            for key, value in row.items():
                if key == "skill_mask":
                    worker.skill_mask |= value
                elif key != "phone" and _column_of(key) in given:
                    setattr(worker, key, value)
            report.merged += 1
        if opening["rating"] is not None:
            _open(worker, opening, now, line, report)


def _column_of(key: str) -> str:
    """The file's column a loaded value comes from."""
    return {"region_id": "region", "skill_mask": "skills"}.get(key, key)


def _open(worker: Worker, opening: dict, now: datetime, line: int, report: ImportReport) -> None:
    """Record the row's shifts, no-shows and rating as the worker's opening rating event."""
    try:
        ratings.open_record(worker, opening["shifts"], opening["no_shows"], opening["rating"], now)
    except ratings.RatingError as exc:
        report.errors.append((line, "rating", str(exc)))


def export_workers(by) -> str:
    """Return the visible pool as CSV (head office only), recording the export in the audit log."""
    if by.role != "admin":
        raise PermissionError("Only an administrator can export the pool.")
    regions = {r.id: r.code for r in db.session.scalars(select(Region))}
    out = io.StringIO()
    writer = spreadsheet.writer(out)
    writer.writerow(CARD + EXPORTED_FIGURES)
    count = 0
    for w in db.session.scalars(select(Worker).order_by(Worker.id).execution_options(yield_per=2000)):
        writer.writerow([w.first_name, w.last_name, w.phone, regions.get(w.region_id, ""), ";".join(skills.codes_for(w.skill_mask)),
                         w.language, w.email or "", w.address or "", w.lat if w.lat is not None else "",
                         w.lon if w.lon is not None else "", w.max_travel_km, (w.notes or "").replace("\n", " "),
                         w.status, w.rating, w.reliability])
        count += 1
    audit.record("export", "worker", 0, {"rows": count}, note="worker pool exported as CSV")
    db.session.commit()
    return out.getvalue()
