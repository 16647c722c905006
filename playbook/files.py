"""Playbook files: an upload's type told by its content, its size checked, and the bytes kept outside the database.

Stored as worker photos are (workers.photos): under UPLOAD_FOLDER, a fresh name per file, the
database holding only that name. A stored file is never changed: a new version is a new file.
"""
import hashlib
import io
import uuid
import warnings
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from PIL import Image, UnidentifiedImageError

from core.i18n import lazy_gettext as _l

IMAGE_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
MAX_PIXELS = 40_000_000  # read from the header before decoding: a small file can declare a huge picture
TEXT_SUFFIXES = {".md": "text/markdown", ".markdown": "text/markdown"}
# Text may carry tabs, line and page breaks; any other control character means a binary file.
CONTROL = {c for c in range(32) if c not in (9, 10, 12, 13)} | {127}


class PlaybookFileError(ValueError):
    """The upload is not a document the playbook takes; the message says why."""


@dataclass(frozen=True)
class Upload:
    data: bytes
    kind: str  # pdf, text, image
    content_type: str
    filename: str
    sha256: str


def max_bytes() -> int:
    return int(current_app.config["PLAYBOOK_MAX_MB"]) * 1024 * 1024


def _wrong_type() -> PlaybookFileError:
    return PlaybookFileError(_l("Upload a PDF, a plain text or Markdown file, or a JPEG, PNG or WebP picture."))


def _pdf(data: bytes) -> str:
    from pypdf import PdfReader  # here, not at the top: only an upload reads a PDF, and pypdf weighs ~7 MB
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise PlaybookFileError(_l("This PDF is locked with a password: upload it unlocked, so it can be stamped."))
        if len(reader.pages) == 0:
            raise PlaybookFileError(_l("This PDF has no pages."))
    except (PyPdfError, ValueError, KeyError, TypeError, OSError) as exc:
        if isinstance(exc, PlaybookFileError):
            raise
        raise PlaybookFileError(_l("This PDF cannot be read: it may be damaged.")) from exc
    return "application/pdf"


def _image(data: bytes) -> str | None:
    """Return the picture's content type, or None when the bytes are no picture Pillow knows."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:  # the header only
                if probe.format not in IMAGE_FORMATS:
                    raise _wrong_type()
                if probe.width * probe.height > MAX_PIXELS:
                    raise PlaybookFileError(_l("The picture is too large: at most %(megapixels)s megapixels.",
                                               megapixels=MAX_PIXELS // 1_000_000))
                probe.verify()
                return IMAGE_FORMATS[probe.format]
    except Image.DecompressionBombError as exc:
        raise PlaybookFileError(_l("The picture is too large: at most %(megapixels)s megapixels.",
                                   megapixels=MAX_PIXELS // 1_000_000)) from exc
    except (UnidentifiedImageError, SyntaxError):
        return None
    except OSError as exc:
        raise PlaybookFileError(_l("This picture cannot be read: it may be damaged.")) from exc


def _text(data: bytes, filename: str) -> str | None:
    """Return text/plain or text/markdown for UTF-8 text without binary control characters, else None."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None
    if not text.strip() or any(ord(c) in CONTROL for c in text):
        return None
    return TEXT_SUFFIXES.get(Path(filename).suffix.lower(), "text/plain")


def inspect_upload(stream, filename: str) -> Upload:
    """Read stream and tell its kind by its content; raise PlaybookFileError for an empty, too large or foreign file."""
    limit = max_bytes()
    data = stream.read(limit + 1)
    if not data:
        raise PlaybookFileError(_l("Choose a file to upload."))
    if len(data) > limit:
        raise PlaybookFileError(_l("The file is larger than %(megabytes)s MB.",
                                   megabytes=current_app.config["PLAYBOOK_MAX_MB"]))
    name = Path(filename or "document").name[:200] or "document"
    if data.startswith(b"%PDF-"):
        kind, content_type = "pdf", _pdf(data)
    elif (content_type := _image(data)) is not None:
        kind = "image"
    elif (content_type := _text(data, name)) is not None:
        kind = "text"
    else:
        raise _wrong_type()
    return Upload(data, kind, content_type, name, hashlib.sha256(data).hexdigest())


def _folder() -> Path:
    folder = Path(current_app.config["UPLOAD_FOLDER"]) / "playbook"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def store(upload: Upload) -> str:
    """Write the upload under a fresh name and return that name."""
    suffix = {"pdf": ".pdf", "text": ".txt", "image": ".img"}[upload.kind]
    name = f"{uuid.uuid4().hex}{suffix}"
    (_folder() / name).write_bytes(upload.data)
    return name


def discard(stored_name: str) -> None:
    """Remove a file whose version was never committed."""
    (_folder() / stored_name).unlink(missing_ok=True)


def read(stored_name: str) -> bytes | None:
    """Return a stored file's bytes, or None when it is gone."""
    path = _folder() / stored_name
    return path.read_bytes() if path.is_file() else None
