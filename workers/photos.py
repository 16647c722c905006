"""Worker photos: validated as images, re-encoded (no metadata kept), stored outside the database."""
import io
import uuid
from pathlib import Path

from flask import current_app
from PIL import Image, UnidentifiedImageError

from core.i18n import lazy_gettext as _l
from extensions import db
from workers.models import Worker

MAX_BYTES = 5 * 1024 * 1024
MAX_SIDE = 800
FORMATS = {"JPEG", "PNG", "WEBP"}


class PhotoError(ValueError):
    """The upload is not a usable photo; the message says why."""


def _folder() -> Path:
    folder = Path(current_app.config["UPLOAD_FOLDER"]) / "workers"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def photo_file(worker: Worker) -> Path | None:
    """Return the path of the worker's photo, or None."""
    if not worker.photo_path:
        return None
    path = _folder() / worker.photo_path
    return path if path.is_file() else None


def save_photo(worker: Worker, stream) -> None:
    """Check that stream is a JPEG, PNG or WebP of at most 5 MB, store it as a JPEG, and commit."""
    data = stream.read(MAX_BYTES + 1)
    if not data:
        raise PhotoError(_l("Choose a photo to upload."))
    if len(data) > MAX_BYTES:
        raise PhotoError(_l("The photo is larger than 5 MB."))
    try:
        with Image.open(io.BytesIO(data)) as probe:
            probe.verify()
            if probe.format not in FORMATS:
                raise PhotoError(_l("Upload a JPEG, PNG or WebP photo."))
        image = Image.open(io.BytesIO(data))
        image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError) as exc:
        raise PhotoError(_l("This file is not a picture.")) from exc
    image = image.convert("RGB")
    image.thumbnail((MAX_SIDE, MAX_SIDE))
    name = f"{worker.id}-{uuid.uuid4().hex}.jpg"
    image.save(_folder() / name, "JPEG", quality=85)  # re-encoding drops EXIF, GPS included
    old = photo_file(worker)
    worker.photo_path = name
    db.session.commit()
    if old is not None:
        old.unlink(missing_ok=True)


def delete_photo(worker: Worker) -> None:
    """Remove the worker's photo file and reference (the caller commits)."""
    old = photo_file(worker)
    worker.photo_path = None
    if old is not None:
        old.unlink(missing_ok=True)
