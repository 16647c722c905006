"""Photos are checked and stored outside the database; personal data is exported and erased on request."""
import io
import json

import pytest
from PIL import Image
from sqlalchemy import select

from core.models import AuditEntry
from ratings import service as ratings_service
from core.timeutil import utcnow
from workers.models import Worker


@pytest.fixture(autouse=True)
def uploads(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(tmp_path))
    return tmp_path


def picture(fmt="PNG", size=(1600, 1200)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 120, 40)).save(out, fmt)
    return out.getvalue()


def post_photo(client, worker_id, data, name="me.png"):
    return client.post(f"/workers/{worker_id}/photo", data={"photo": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def test_a_photo_is_stored_as_a_small_jpeg_and_served_only_within_the_region(client, auth, db, network, uploads):
    auth.login(network.a_recruiter.email)
    assert post_photo(client, network.a_worker.id, picture()).status_code == 302
    stored = list((uploads / "workers").iterdir())
    assert len(stored) == 1
    with Image.open(stored[0]) as image:
        assert image.format == "JPEG" and max(image.size) == 800 and not image.info.get("exif")
    served = client.get(f"/workers/{network.a_worker.id}/photo")
    assert served.status_code == 200 and served.mimetype == "image/jpeg"
    assert "no-store" in served.headers["Cache-Control"]
    auth.logout()
    auth.login(network.b_recruiter.email)
    assert client.get(f"/workers/{network.a_worker.id}/photo").status_code == 404


def test_a_new_photo_replaces_the_old_file(client, auth, db, network, uploads):
    auth.login(network.a_recruiter.email)
    post_photo(client, network.a_worker.id, picture())
    post_photo(client, network.a_worker.id, picture("JPEG"), "me.jpg")
    assert len(list((uploads / "workers").iterdir())) == 1


@pytest.mark.parametrize("data,message", [
    (b"%PDF-1.4 not a picture", "not a picture"),
    (b"", "Choose a photo"),
    (b"GIF89a" + b"\0" * 100, "not a picture"),
])
def test_bad_uploads_are_refused_and_nothing_is_stored(client, auth, db, network, uploads, data, message):
    auth.login(network.a_recruiter.email)
    response = post_photo(client, network.a_worker.id, data)
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert not (uploads / "workers").exists() or not list((uploads / "workers").iterdir())
    db.session.expire_all()
    assert db.session.get(Worker, network.a_worker.id).photo_path is None


def test_a_gif_is_refused_as_a_format(client, auth, db, network):
    auth.login(network.a_recruiter.email)
    response = post_photo(client, network.a_worker.id, picture("GIF", (50, 50)), "me.gif")
    assert response.status_code == 400 and "JPEG, PNG or WebP" in response.get_data(as_text=True)


def test_an_oversized_upload_is_refused(client, auth, db, network):
    auth.login(network.a_recruiter.email)
    response = post_photo(client, network.a_worker.id, b"\xff\xd8\xff" + b"0" * (5 * 1024 * 1024 + 10), "big.jpg")
    assert response.status_code == 400 and "larger than 5 MB" in response.get_data(as_text=True)


def test_personal_data_export_holds_everything(client, auth, db, network):
    ratings_service.record_event(network.a_worker.id, "came", utcnow(), quality=5)
    auth.login(network.admin.email)
    response = client.get(f"/workers/{network.a_worker.id}/personal-data")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    data = json.loads(response.get_data(as_text=True))
    assert data["worker"]["phone"] == network.a_worker.phone and data["worker"]["skills"] == ["loader"]
    assert [e["kind"] for e in data["rating_events"]] == ["came"]


def test_erasure_anonymises_keeps_history_and_leaves_no_copy_in_the_log(client, auth, db, network, uploads):
    phone, name = network.a_worker.phone, network.a_worker.last_name
    ratings_service.record_event(network.a_worker.id, "came", utcnow(), quality=4)
    auth.login(network.a_recruiter.email)
    post_photo(client, network.a_worker.id, picture())
    assert client.post(f"/workers/{network.a_worker.id}/erase").status_code == 403  # head office only
    auth.logout()
    auth.login(network.admin.email)
    assert client.post(f"/workers/{network.a_worker.id}/erase").status_code == 302
    db.session.expire_all()
    worker = db.session.get(Worker, network.a_worker.id)
    assert worker.anonymized_at is not None and worker.opted_out is True
    assert phone not in worker.phone and worker.last_name != name and worker.lat is None and worker.photo_path is None
    assert list((uploads / "workers").iterdir()) == []
    assert len(ratings_service.history(worker)) == 1 and worker.shifts_worked == 1
    log = " ".join(json.dumps(e.changes, ensure_ascii=False) for e in db.session.scalars(select(AuditEntry)))
    assert phone not in log and name not in log
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "erase")).actor_id == network.admin.id
    assert client.post(f"/workers/{network.a_worker.id}/erase").status_code == 409


def test_a_photo_too_large_to_upload_answers_on_the_card_and_saves_nothing(app, client, auth, db, network, uploads):
    auth.login(network.a_recruiter.email)
    card = f"http://localhost/workers/{network.a_worker.id}"
    huge = b"\xff\xd8" + b"\0" * (app.config["MAX_CONTENT_LENGTH"] + 1)
    response = client.post(f"/workers/{network.a_worker.id}/photo", data={"photo": (io.BytesIO(huge), "big.jpg")},
                           content_type="multipart/form-data", headers={"Referer": card})
    assert response.status_code == 303 and response.headers["Location"] == card
    page = client.get(card).get_data(as_text=True)
    assert "too large to upload" in page
    assert not (uploads / "workers").exists() or list((uploads / "workers").iterdir()) == []
    elsewhere = client.post(f"/workers/{network.a_worker.id}/photo", data={"photo": (io.BytesIO(huge), "big.jpg")},
                            content_type="multipart/form-data", headers={"Referer": "https://evil.example/form"})
    assert elsewhere.status_code == 413  # no form of ours to go back to: the plain answer
