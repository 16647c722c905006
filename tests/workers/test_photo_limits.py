"""A photo's pixel count is checked from its header, before a single pixel is decoded (decompression bombs)."""
import re
import struct
import zlib

import pytest

from tests.workers.test_privacy_photos import picture, post_photo
from workers.models import Worker
from workers.photos import MAX_PIXELS


@pytest.fixture(autouse=True)
def uploads(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(tmp_path))
    return tmp_path


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def black_png(width: int, height: int, pixels: str = "zeros") -> bytes:
    """A 1-bit greyscale PNG: all black ("zeros", a real image, tiny once compressed) or a few bytes of garbage."""
    if pixels == "zeros":
        packer, row = zlib.compressobj(9), b"\0" * (1 + (width + 7) // 8)
        data = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    else:
        data = b"\x78\x9c not deflate at all"
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", data) + _chunk(b"IEND", b"")


@pytest.mark.parametrize("width,height,pixels", [
    (30000, 30000, "garbage"),  # 900 megapixels declared by a file of a hundred bytes
    (9000, 9000, "zeros"),  # 81 megapixels of black in a quarter of a megabyte: 243 MB once decoded as RGB
    (9000, 9000, "garbage"),  # refused from the header alone: nothing is decoded, so the garbage is never seen
])
def test_a_picture_over_the_pixel_limit_is_refused_before_decoding(client, auth, db, network, uploads,
                                                                    width, height, pixels):
    data = black_png(width, height, pixels)
    assert len(data) < 1024 * 1024 and width * height > MAX_PIXELS
    auth.login(network.a_recruiter.email)
    response = post_photo(client, network.a_worker.id, data)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert re.search(r'class="field has-error">\s*<label for="photo"', page), "the message stands on the photo form"
    assert f"at most {MAX_PIXELS // 1_000_000} megapixels" in page
    assert not (uploads / "workers").exists() or not list((uploads / "workers").iterdir())
    db.session.expire_all()
    assert db.session.get(Worker, network.a_worker.id).photo_path is None


def test_a_picture_within_the_limit_is_still_taken(client, auth, db, network, uploads):
    auth.login(network.a_recruiter.email)
    assert post_photo(client, network.a_worker.id, black_png(4000, 3000)).status_code == 302
    assert post_photo(client, network.a_worker.id, picture("JPEG", (3000, 2000)), "me.jpg").status_code == 302
    assert len(list((uploads / "workers").iterdir())) == 1


def test_a_form_sent_without_a_file_says_so_on_the_form(client, auth, db, network):
    auth.login(network.a_recruiter.email)
    response = client.post(f"/workers/{network.a_worker.id}/photo", data={}, content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "Choose a photo to upload." in page
    assert re.search(r'class="field has-error">\s*<label for="photo"', page)
