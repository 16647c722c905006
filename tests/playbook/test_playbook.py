"""The playbook: documents gated by package tier, every copy stamped with its reader and logged."""
import io

import pytest
from fpdf import FPDF
from freezegun import freeze_time
from PIL import Image
from pypdf import PdfReader
from sqlalchemy import func, select

from playbook.models import PlaybookAccess, PlaybookDocument, PlaybookVersion
from tests import factories

NOW = "2026-12-01 10:00:00"  # UTC: 13:00 in Moscow


@pytest.fixture
def library(city):
    """A basic, a brand and an official document; a basic franchise beside A (official) and B (brand) in Moscow."""
    city.d = factories.franchise(city.moscow, name="Delta Moscow", tier="basic")
    city.d_partner = factories.user("partner", city.d, email="partner.d@test.artel", name="Dmitry Delta")
    city.basic = factories.playbook_document("basic", title="Basic loading guide")
    city.brand = factories.playbook_document("brand", title="Brand book")
    city.official = factories.playbook_document("official", title="Official price secrets",
                                                data=b"Never quote below 200 an hour.\n")
    return city


def _listed(client, auth, user):
    auth.login(user.email)
    page = client.get("/playbook/").get_data(as_text=True)
    auth.logout()
    return {title for title in ("Basic loading guide", "Brand book", "Official price secrets") if title in page}


def test_each_franchise_of_one_region_sees_its_package_and_those_below(client, auth, library):
    city = library
    assert _listed(client, auth, city.d_partner) == {"Basic loading guide"}
    assert _listed(client, auth, city.b_partner) == {"Basic loading guide", "Brand book"}
    assert _listed(client, auth, city.a_partner) == {"Basic loading guide", "Brand book", "Official price secrets"}
    assert _listed(client, auth, city.a_dispatcher) == _listed(client, auth, city.a_partner)  # his staff too
    assert _listed(client, auth, city.admin) == {"Basic loading guide", "Brand book", "Official price secrets"}


@pytest.mark.parametrize("suffix", ["", "/view", "/download"])
def test_a_document_above_the_tier_is_not_found_not_forbidden(client, auth, db, library, suffix):
    city = library
    auth.login(city.b_partner.email)
    response = client.get(f"/playbook/{city.official.id}{suffix}")
    assert response.status_code == 404
    assert "Official price secrets" not in response.get_data(as_text=True)
    assert client.get(f"/playbook/{city.brand.id}{suffix}").status_code == 200
    assert db.session.scalar(select(func.count(PlaybookAccess.id)).where(
        PlaybookAccess.document_id == city.official.id)) == 0


def test_a_foreman_has_no_playbook_and_a_suspended_franchise_reads_nothing(client, auth, db, library):
    city = library
    auth.login(city.a_foreman.email)
    assert client.get("/playbook/").status_code == 403
    auth.logout()
    city.b.status = "suspended"
    db.session.commit()
    auth.login(city.b_partner.email)
    assert "Basic loading guide" not in client.get("/playbook/").get_data(as_text=True)
    assert client.get(f"/playbook/{city.basic.id}/download").status_code == 404


@freeze_time(NOW)
def test_every_view_and_download_is_logged(client, auth, db, library):
    city = library
    auth.login(city.b_partner.email)
    assert client.get(f"/playbook/{city.brand.id}").status_code == 200  # a text document is shown on its page
    assert client.get(f"/playbook/{city.brand.id}/view").status_code == 200
    assert client.get(f"/playbook/{city.brand.id}/download").status_code == 200
    assert client.get(f"/playbook/{city.basic.id}/download").status_code == 200
    rows = db.session.scalars(select(PlaybookAccess).order_by(PlaybookAccess.id)).all()
    assert [(r.document_id, r.kind) for r in rows] == [
        (city.brand.id, "view"), (city.brand.id, "view"), (city.brand.id, "download"), (city.basic.id, "download")]
    for row in rows:
        assert row.user_id == city.b_partner.id and row.franchise_id == city.b.id
        assert row.version_id == db.session.get(PlaybookDocument, row.document_id).versions[0].id
        assert row.client_address == "127.0.0.1"
        assert row.at.isoformat() == "2026-12-01T10:00:00+00:00"


@freeze_time(NOW)
def test_the_served_text_names_the_franchise_the_reader_and_the_local_time(client, auth, library):
    city = library
    body = "".join(f"Line {n} of the crew standard\n" for n in range(1, 101)).encode()
    long = factories.playbook_document("basic", title="Crew standard", data=body, filename="crew.md")
    auth.login(city.b_partner.email)
    response = client.get(f"/playbook/{long.id}/download")
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Content-Type"] == "text/markdown; charset=utf-8"
    assert "attachment" in response.headers["Content-Disposition"]
    lines = response.get_data(as_text=True).splitlines()
    stamp_lines = [line for line in lines if "Bravo Moscow" in line]
    assert lines[0] == stamp_lines[0] and lines[-1] == stamp_lines[-1]  # header and footer
    assert len(stamp_lines) == 4  # and after lines 40 and 80 of the 100
    for expected in ("Bravo Moscow", city.b_partner.name, city.b_partner.email, "2026-12-01 13:00 MSK (Europe/Moscow)",
                     "Crew standard"):
        assert expected in lines[0]
    copy = response.get_data(as_text=True)
    assert "Line 100 of the crew standard" in copy and "Line 1 of the crew standard" in copy
    assert client.get(f"/playbook/{long.id}/view").headers["Cache-Control"] == "no-store"
    assert client.get(f"/playbook/{long.id}").headers["Cache-Control"] == "no-store"


@freeze_time(NOW)
def test_the_stamp_is_in_the_region_s_own_time_zone(client, auth, db, library):
    city = library
    city.kazan.timezone = "Asia/Yekaterinburg"
    db.session.commit()
    auth.login(city.c_partner.email)
    copy = client.get(f"/playbook/{city.basic.id}/view").get_data(as_text=True)
    assert "Charlie Kazan" in copy and "2026-12-01 15:00 +05 (Asia/Yekaterinburg)" in copy


def _pdf(text="Loading guide page"):
    pdf = FPDF()
    for n in (1, 2):
        pdf.add_page()
        pdf.set_font("helvetica", size=14)
        pdf.text(30, 30, f"{text} {n}")
    return bytes(pdf.output())


@freeze_time(NOW)
def test_a_served_pdf_carries_the_stamp_on_every_page(client, auth, db, library):
    city = library
    db.session.get(type(city.b), city.b.id).name = "Браво Москва"  # a Cyrillic name is drawn, not lost
    db.session.commit()
    document = factories.playbook_document("brand", title="Site checklist", data=_pdf(), filename="checklist.pdf")
    auth.login(city.b_partner.email)
    response = client.get(f"/playbook/{document.id}/download")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "no-store"
    reader = PdfReader(io.BytesIO(response.data))
    assert len(reader.pages) == 2
    for number, page in enumerate(reader.pages, start=1):
        text = page.extract_text()
        assert f"Loading guide page {number}" in text  # the document itself is all there
        assert "Браво Москва" in text and "2026-12-01 13:00 MSK" in text and city.b_partner.email in text
    access = db.session.scalar(select(PlaybookAccess))
    assert f"Copy {access.id} " in reader.metadata.subject and "Браво Москва" in reader.metadata.subject


@freeze_time(NOW)
def test_a_served_picture_is_stamped_visibly_and_in_its_metadata(client, auth, library):
    city = library
    original = io.BytesIO()
    Image.new("RGB", (640, 400), (40, 120, 200)).save(original, "PNG")
    document = factories.playbook_document("basic", title="Uniform", data=original.getvalue(), filename="uniform.png")
    auth.login(city.d_partner.email)
    response = client.get(f"/playbook/{document.id}/view")
    assert response.mimetype == "image/png" and response.headers["Cache-Control"] == "no-store"
    served = Image.open(io.BytesIO(response.data))
    assert "Delta Moscow" in served.text["Comment"] and "2026-12-01 13:00 MSK" in served.text["Comment"]
    top = served.convert("RGB").crop((0, 0, 640, 12)).getcolors(640 * 12)
    assert any(colour != (40, 120, 200) for _count, colour in top)  # the band is drawn over the picture


def _upload(client, data, filename, title="Price list", tier="brand"):
    return client.post("/playbook/", data={"title": title, "description": "", "min_tier": tier,
                                           "file": (io.BytesIO(data), filename)},
                       content_type="multipart/form-data")


def test_head_office_uploads_a_document_and_partners_of_its_tier_get_it(client, auth, db, library, upload_folder):
    city = library
    auth.login(city.admin.email)
    response = _upload(client, b"# Prices\n\nLoading: 220 an hour.\n", "prices.md")
    assert response.status_code == 302
    document = db.session.scalar(select(PlaybookDocument).where(PlaybookDocument.title == "Price list"))
    assert document.min_tier == "brand" and document.current.kind == "text"
    assert document.current.content_type == "text/markdown" and document.current.uploaded_by_id == city.admin.id
    assert (upload_folder / document.current.stored_name).read_bytes() == b"# Prices\n\nLoading: 220 an hour.\n"
    auth.logout()
    assert "Price list" in _listed_titles(client, auth, city.b_partner)
    assert "Price list" not in _listed_titles(client, auth, city.d_partner)


def _listed_titles(client, auth, user):
    auth.login(user.email)
    page = client.get("/playbook/").get_data(as_text=True)
    auth.logout()
    return page


@pytest.mark.parametrize("data,filename,message", [
    (b"PK\x03\x04\x14\x00\x00\x00binary zip", "prices.zip", "Upload a PDF, a plain text or Markdown file"),
    (b"MZ\x90\x00\x03\x00\x00\x00\x04\x00", "prices.txt", "Upload a PDF, a plain text or Markdown file"),
    (b"%PDF-1.7\nnot really a pdf", "prices.pdf", "This PDF cannot be read"),
    (b"", "empty.txt", "Choose a file to upload."),
])
def test_a_file_of_the_wrong_type_is_refused_and_nothing_is_saved(client, auth, db, city, upload_folder,
                                                                   data, filename, message):
    auth.login(city.admin.email)
    response = _upload(client, data, filename)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(PlaybookDocument.id))) == 0
    assert not upload_folder.exists() or not any(upload_folder.iterdir())


def test_a_file_over_the_limit_is_refused_and_nothing_is_saved(app, client, auth, db, city, upload_folder,
                                                               monkeypatch):
    monkeypatch.setitem(app.config, "PLAYBOOK_MAX_MB", 1)
    auth.login(city.admin.email)
    response = _upload(client, b"a" * (1024 * 1024 + 1), "big.txt")
    assert response.status_code == 400
    assert "The file is larger than 1 MB." in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(PlaybookDocument.id))) == 0
    assert not upload_folder.exists() or not any(upload_folder.iterdir())
    assert _upload(client, b"a" * (1024 * 1024), "just-fits.txt").status_code == 302


def test_a_new_version_is_served_and_the_log_keeps_which_version_was_read(client, auth, db, library, upload_folder):
    city = library
    auth.login(city.b_partner.email)
    assert b"Open the gate" in client.get(f"/playbook/{city.basic.id}/download").data
    auth.logout()
    auth.login(city.admin.email)
    bad = client.post(f"/playbook/{city.basic.id}/versions", data={"file": (io.BytesIO(b"\x00\x01\x02"), "x.bin")},
                      content_type="multipart/form-data")
    assert bad.status_code == 400 and "Upload a PDF" in bad.get_data(as_text=True)
    assert db.session.scalar(select(func.count(PlaybookVersion.id)).where(
        PlaybookVersion.document_id == city.basic.id)) == 1
    good = client.post(f"/playbook/{city.basic.id}/versions",
                       data={"file": (io.BytesIO(b"Step 1. Close the gate.\n"), "guide-v2.txt")},
                       content_type="multipart/form-data")
    assert good.status_code == 302
    auth.logout()
    auth.login(city.b_partner.email)
    copy = client.get(f"/playbook/{city.basic.id}/download").data
    assert b"Close the gate" in copy and b"Open the gate" not in copy
    numbers = [a.version.number for a in db.session.scalars(select(PlaybookAccess).order_by(PlaybookAccess.id))]
    assert numbers == [1, 2]


def test_a_withdrawn_document_is_gone_for_partners_and_its_log_remains(client, auth, db, library):
    city = library
    auth.login(city.a_partner.email)
    assert client.get(f"/playbook/{city.official.id}/download").status_code == 200
    auth.logout()
    auth.login(city.admin.email)
    withdrawn = client.post(f"/playbook/{city.official.id}/withdraw", follow_redirects=True)
    assert "is withdrawn: no franchise sees it now" in withdrawn.get_data(as_text=True)
    auth.logout()
    auth.login(city.a_partner.email)
    assert "Official price secrets" not in client.get("/playbook/").get_data(as_text=True)
    for suffix in ("", "/view", "/download"):
        assert client.get(f"/playbook/{city.official.id}{suffix}").status_code == 404
    auth.logout()
    # A's download, then head office's own look after withdrawing: logged too
    log = db.session.scalars(select(PlaybookAccess).order_by(PlaybookAccess.id))
    assert [(a.franchise_id, a.kind) for a in log] == [(city.a.id, "download"), (None, "view")]
    auth.login(city.admin.email)
    log = client.get(f"/playbook/log?document={city.official.id}").get_data(as_text=True)
    assert "Official price secrets" in log and "Alpha Moscow" in log and city.a_partner.email in log
    assert "withdrawn" in client.get("/playbook/").get_data(as_text=True)


def test_partners_cannot_upload_replace_withdraw_or_read_the_log(client, auth, db, library):
    city = library
    auth.login(city.a_partner.email)
    assert _upload(client, b"mine\n", "mine.txt").status_code == 403
    assert client.post(f"/playbook/{city.basic.id}/withdraw").status_code == 403
    assert client.get("/playbook/log").status_code == 403
    assert db.session.get(PlaybookDocument, city.basic.id).withdrawn_at is None


@freeze_time(NOW)
def test_head_office_reads_the_log_per_document_and_per_franchise(client, auth, library):
    city = library
    for user, document, suffix in ((city.a_partner, city.official, "/download"), (city.b_partner, city.brand, "/view"),
                                   (city.b_partner, city.basic, "/download"), (city.d_partner, city.basic, "/view")):
        auth.login(user.email)
        assert client.get(f"/playbook/{document.id}{suffix}").status_code == 200
        auth.logout()
    auth.login(city.admin.email)
    everything = client.get("/playbook/log").get_data(as_text=True)
    for name in ("Alpha Moscow", "Bravo Moscow", "Delta Moscow", "Official price secrets", "Brand book"):
        assert name in everything
    bravo = client.get(f"/playbook/log?franchise={city.b.id}").get_data(as_text=True)
    rows = bravo.split('data-testid="log"')[1]
    assert "Bravo Moscow" in rows and "Alpha Moscow" not in rows and "Delta Moscow" not in rows
    basic = client.get(f"/playbook/log?document={city.basic.id}").get_data(as_text=True).split('data-testid="log"')[1]
    assert "Bravo Moscow" in basic and "Delta Moscow" in basic and "Alpha Moscow" not in basic
    assert "Dmitry Delta" in client.get(f"/playbook/{city.basic.id}").get_data(as_text=True)  # the document's own log
