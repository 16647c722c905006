"""Worker photos: validated as images, re-encoded (no metadata kept), stored outside the database."""
import io
import uuid
import warnings
from pathlib import Path

from flask import current_app
from PIL import Image, UnidentifiedImageError

from core.i18n import lazy_gettext as _l
from extensions import db
from workers.models import Worker

MAX_BYTES = 5 * 1024 * 1024
# Read from the file's header before anything is decoded: a few hundred compressed bytes can declare
# a picture that would take gigabytes once decoded. 25 megapixels decode to 75 MB of RGB at most.
MAX_PIXELS = 25_000_000
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


def _too_large() -> PhotoError:
    return PhotoError(_l("The picture is too large: at most %(megapixels)s megapixels.",
                         megapixels=MAX_PIXELS // 1_000_000))


def save_photo(worker: Worker, stream) -> None:
    """Check that stream is a JPEG, PNG or WebP of at most 5 MB and MAX_PIXELS, store it as a JPEG, and commit."""
    data = stream.read(MAX_BYTES + 1)
    if not data:
        raise PhotoError(_l("Choose a photo to upload."))
    if len(data) > MAX_BYTES:
        raise PhotoError(_l("The photo is larger than 5 MB."))
    try:
        with warnings.catch_warnings():
            # Pillow warns of a bomb above its own, higher limit; ours below is the one that refuses.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:  # reads the header only
                if probe.width * probe.height > MAX_PIXELS:
                    raise _too_large()
                probe.verify()
                if probe.format not in FORMATS:
                    raise PhotoError(_l("Upload a JPEG, PNG or WebP photo."))
            image = Image.open(io.BytesIO(data))
            image.load()
    except Image.DecompressionBombError as exc:  # Pillow's own limit, met while reading the header
        raise _too_large() from exc
    except (UnidentifiedImageError, OSError, SyntaxError) as exc:
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
