"""CSV import (all or nothing, every bad row reported) and the audited, admin-only export."""
import csv
import io

from sqlalchemy import func, select

from core import tenancy
from core.models import AuditEntry
from workers.imports import import_workers
from workers.models import Worker

HEADER = "first_name,last_name,phone,region,skills,language,lat,lon,max_travel_km\n"


def count(db):
    return db.session.scalar(select(func.count()).select_from(Worker))


def upload(client, text, on_duplicate="report"):
    return client.post("/workers/import", data={"file": (io.BytesIO(text.encode()), "workers.csv"),
                                                "on_duplicate": on_duplicate}, content_type="multipart/form-data")


def test_a_good_file_is_imported_whole_with_audit(client, auth, db, network):
    rows = "".join(f"Имя{i},Фамилия{i},8 (916) 555-{i:02d}-00,MSK,loader;rigger,ru,55.7,37.6,20\n" for i in range(30))
    auth.login(network.a_recruiter.email)
    before = count(db)
    response = upload(client, HEADER + rows)
    assert response.status_code == 200
    assert "30 new" in response.get_data(as_text=True)
    assert count(db) == before + 30
    imported = db.session.scalar(select(Worker).where(Worker.phone == "+79165550500"))
    assert (imported.status, imported.region_id, imported.skill_mask, imported.lat) == ("applicant", network.moscow.id, 3, 55.7)
    created = db.session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.table_name == "worker", AuditEntry.action == "create", AuditEntry.actor_id == network.a_recruiter.id))
    assert created == 30


def test_a_file_with_bad_rows_imports_nothing_and_names_every_row(client, auth, db, network):
    text = HEADER + (
        "Good,Row,+79165550001,MSK,loader,ru,55.7,37.6,20\n"       # line 2: fine
        ",NoFirst,+79165550002,MSK,,ru,,,\n"                       # line 3: first_name
        "Bad,Phone,12345,MSK,,ru,,,\n"                             # line 4: phone
        "Far,Away,+79165550004,KZN,,ru,,,\n"                       # line 5: region of another franchise
        "Odd,Skill,+79165550005,MSK,juggler,ru,,,\n"               # line 6: skills
        "Half,Coords,+79165550006,MSK,,ru,55.7,,\n"                # line 7: lat without lon
        "Twice,Over,8 916 555 00 01,MSK,,ru,,,\n"                  # line 8: same phone as line 2
        "Bad,Lang,+79165550008,MSK,,de,,,\n"                       # line 9: language
    )
    auth.login(network.a_recruiter.email)
    before = count(db)
    response = upload(client, text)
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "Nothing was imported" in page
    assert count(db) == before
    tenancy.activate(tenancy.scope_for_user(network.a_recruiter))  # as in the recruiter's request
    report = import_workers(text.encode())
    tenancy.activate(None)
    assert sorted((line, column) for line, column, _m in report.errors) == [
        (3, "first_name"), (4, "phone"), (5, "region"), (6, "skills"), (7, "lat"), (8, "phone"), (9, "language")]


def test_a_phone_already_in_the_pool_is_reported_or_merged(client, auth, db, network):
    existing = network.a_worker
    text = HEADER + f"Новое,Имя,{existing.phone},MSK,rigger,ru,,,\n"
    auth.login(network.a_recruiter.email)
    assert upload(client, text).status_code == 400
    assert upload(client, text, "merge").status_code == 200
    db.session.expire_all()
    merged = db.session.get(Worker, existing.id)
    assert (merged.first_name, merged.skill_mask) == ("Новое", 0b11)  # loader kept, rigger added


def test_a_phone_held_in_another_region_is_reported_not_merged(client, auth, db, network):
    text = HEADER + f"X,Y,{network.b_worker.phone},MSK,,ru,,,\n"
    auth.login(network.a_recruiter.email)
    response = upload(client, text, "merge")
    assert response.status_code == 400 and "already in the pool" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Worker, network.b_worker.id).first_name == network.b_worker.first_name


def test_unreadable_files_are_refused_clearly(client, auth, db, network):
    auth.login(network.a_recruiter.email)
    assert "Missing columns: phone, region" in upload(client, "first_name,last_name\nA,B\n").get_data(as_text=True)
    response = client.post("/workers/import", data={"file": (io.BytesIO("имя".encode("cp1251")), "w.csv"),
                                                    "on_duplicate": "report"}, content_type="multipart/form-data")
    assert response.status_code == 400 and "Missing columns" in response.get_data(as_text=True)  # read as cp1251
    response = client.post("/workers/import", data={"file": (io.BytesIO(b"\x00\x01\x98\xff"), "w.csv"),
                                                    "on_duplicate": "report"}, content_type="multipart/form-data")
    assert response.status_code == 400 and "neither UTF-8 nor Windows-1251" in response.get_data(as_text=True)
    assert client.post("/workers/import", data={}).status_code == 400


def test_export_is_for_head_office_only_and_audited(client, auth, db, network):
    auth.login(network.a_partner.email)
    assert client.get("/workers/export.csv").status_code == 403
    auth.logout()
    auth.login(network.admin.email)
    response = client.get("/workers/export.csv", environ_base={"REMOTE_ADDR": "10.9.9.9"})
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert {r["phone"] for r in rows} == {"'" + network.a_worker.phone, "'" + network.b_worker.phone}  # text, not a sum
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "export"))
    assert (entry.actor_id, entry.ip, entry.changes) == (network.admin.id, "10.9.9.9", {"rows": 2})


def test_a_large_file_imports(client, auth, db, network):
    rows = "".join(f"N{i},S{i},+7977{i:07d},MSK,loader,ru,55.7,37.6,20\n" for i in range(3000))
    report = import_workers((HEADER + rows).encode())
    assert report.ok and report.created == 3000
    assert count(db) == 3000 + 2


def _post(client, data: bytes, on_duplicate="report"):
    return client.post("/workers/import", data={"file": (io.BytesIO(data), "workers.csv"), "on_duplicate": on_duplicate},
                       content_type="multipart/form-data")


def test_excel_files_in_windows_1251_with_semicolons_or_utf8_with_a_bom_are_read(client, auth, db, network):
    auth.login(network.a_recruiter.email)
    excel = "first_name;last_name;phone;region;language\r\nЁлкин;Пётр;+7 916 555-01-01;MSK;ru\r\n"
    assert _post(client, excel.encode("cp1251")).status_code == 200
    bom = "first_name,last_name,phone,region\r\nАнна,Щукина,+7 916 555-01-02,msk\r\n"
    assert _post(client, bom.encode("utf-8-sig")).status_code == 200
    names = set(db.session.execute(select(Worker.first_name, Worker.last_name).where(
        Worker.phone.in_(["+79165550101", "+79165550102"]))).all())
    assert names == {("Ёлкин", "Пётр"), ("Анна", "Щукина")}


def test_every_problem_is_reported_in_one_pass_duplicates_included(client, auth, db, network):
    text = HEADER + (
        f"Old,Phone,{network.a_worker.phone},MSK,,ru,,,\n"   # line 2: in the pool already
        "Bad,Phone,12345,MSK,,ru,,,\n"                        # line 3: phone
    )
    auth.login(network.a_recruiter.email)
    page = upload(client, text).get_data(as_text=True)
    assert "already in the pool" in page and "Nothing was imported" in page
    tenancy.activate(tenancy.scope_for_user(network.a_recruiter))
    report = import_workers(text.encode())
    tenancy.activate(None)
    assert sorted((line, column) for line, column, _m in report.errors) == [(2, "phone"), (3, "phone")]


def test_updating_a_card_changes_every_column_given_and_no_other(client, auth, db, network):
    worker = network.a_worker
    worker.language, worker.notes = "en", "keeps his notes"
    db.session.commit()
    text = "first_name,last_name,phone,region,email,max_travel_km\n" \
           f"Пётр,Новиков,{worker.phone},MSK,petr@mail.ru,35\n"
    auth.login(network.a_recruiter.email)
    assert upload(client, text, "merge").status_code == 200
    db.session.expire_all()
    updated = db.session.get(Worker, worker.id)
    assert (updated.first_name, updated.last_name, updated.email, int(updated.max_travel_km)) == (
        "Пётр", "Новиков", "petr@mail.ru", 35)
    assert (updated.language, updated.notes) == ("en", "keeps his notes")  # not in the file: untouched


def test_the_import_page_lists_region_and_skill_codes(client, auth, db, network):
    auth.login(network.a_recruiter.email)
    page = client.get("/workers/import").get_data(as_text=True)
    assert "<code>MSK</code>" in page and "<code>loader</code>" in page
