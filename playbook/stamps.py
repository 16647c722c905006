"""Stamp a served copy with whom it was issued to, so a leaked copy names its source.

Plain functions of bytes and the stamp's words (no Flask, no session). Every kind carries the
stamp where a reader sees it and where it survives the obvious trimming: text gets a header,
a footer and a line repeated through the body; each PDF page gets a header, a footer and the
stamp across the page, drawn into the page itself (fpdf2 draws it, pypdf merges it onto the
page), and the document's metadata names it too; a picture gets bands at top and bottom and
the stamp repeated across it, and its metadata names it.
"""
import io
from functools import lru_cache
from pathlib import Path

from fpdf import FPDF
from PIL import Image, ImageDraw, ImageFont, PngImagePlugin
from pypdf import PdfReader, PdfWriter, Transformation

TEXT_REPEAT_LINES = 40  # a stamp line after every so many lines of the body


def stamp_text(data: bytes, stamp: str) -> bytes:
    """Return UTF-8 text with the stamp as its first and last line and after every TEXT_REPEAT_LINES lines."""
    lines = data.decode("utf-8-sig").splitlines()
    banner = f"==== {stamp} ===="
    out = [banner, ""]
    for number, line in enumerate(lines, start=1):
        out.append(line)
        if number % TEXT_REPEAT_LINES == 0 and number < len(lines):
            out.append(f"---- {stamp} ----")
    out += ["", banner, ""]
    return "\n".join(out).encode("utf-8")


@lru_cache(maxsize=4)
def _font_file(font_path: str | None) -> str | None:
    return font_path if font_path and Path(font_path).is_file() else None


def _latin1(text: str) -> str:
    """What the PDF's built-in fonts can draw, should no Unicode font be installed."""
    return text.encode("latin-1", "replace").decode("latin-1")


def _overlay(sizes, stamp: str, font_path: str | None) -> bytes:
    """Draw one transparent page per (width, height) in points: header, footer and the stamp across it."""
    pdf = FPDF(unit="pt")
    pdf.set_auto_page_break(False)
    font = _font_file(font_path)
    if font:
        pdf.add_font("stamp", "", font)
        family, text = "stamp", stamp
    else:
        family, text = "helvetica", _latin1(stamp)
    for width, height in sizes:
        pdf.add_page(format=(width, height))
        size = max(5.0, min(9.0, width / (len(text) * 0.55)))
        pdf.set_font(family, size=size)
        pdf.set_text_color(170, 0, 0)
        pdf.text(18, 14 + size, text)
        pdf.text(18, height - 12, text)
        pdf.set_font(family, size=size * 1.6)
        with pdf.local_context(fill_opacity=0.18, text_color=(170, 0, 0)):
            step = max(120.0, height / 5)
            y = step
            while y < height:
                with pdf.rotation(30, x=width / 2, y=y):
                    pdf.text(width / 2 - pdf.get_string_width(text) / 2, y, text)
                y += step
    return bytes(pdf.output())


def stamp_pdf(data: bytes, stamp: str, font_path: str | None = None) -> bytes:
    """Return the PDF with the stamp drawn onto every page and written into its metadata."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    boxes = []
    for page in writer.pages:
        if page.get("/Rotate"):
            page.transfer_rotation_to_content()  # so the stamp reads upright as the page is shown
        box = page.mediabox
        boxes.append((float(box.left), float(box.bottom), float(box.width), float(box.height)))
    sizes = sorted({(w, h) for _x, _y, w, h in boxes})
    overlays = PdfReader(io.BytesIO(_overlay(sizes, stamp, font_path))).pages
    by_size = dict(zip(sizes, overlays))
    for page, (left, bottom, width, height) in zip(writer.pages, boxes):
        page.merge_transformed_page(by_size[(width, height)], Transformation().translate(left, bottom))
    writer.add_metadata({"/Subject": stamp, "/Keywords": stamp})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _image_font(font_path: str | None, size: int):
    font = _font_file(font_path)
    return ImageFont.truetype(font, size) if font else ImageFont.load_default(size)


def _fit(stamp: str, width: int, font_path: str | None):
    """Return the stamp's lines and the largest font (8 to 24 px) fitting them in width, split in two if need be."""
    halves = stamp.split(", ")
    middle = max(len(halves) // 2, 1)
    for lines in ([stamp], [", ".join(halves[:middle]) + ",", ", ".join(halves[middle:])]):
        for size in range(24, 7, -2):
            font = _image_font(font_path, size)
            if all(font.getlength(line) <= width for line in lines):
                return lines, font
    return lines, _image_font(font_path, 8)


def stamp_image(data: bytes, stamp: str, font_path: str | None = None) -> tuple[bytes, str]:
    """Return the picture stamped (a JPEG stays a JPEG, PNG and WebP come out as PNG) and its content type."""
    with Image.open(io.BytesIO(data)) as source:
        fmt = "JPEG" if source.format == "JPEG" else "PNG"
        image = source.convert("RGBA")
    width, height = image.size
    lines, font = _fit(stamp, width - 12, font_path)
    layer = Image.new("RGBA", image.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    line_height = font.size + 4
    band = line_height * len(lines) + 6
    for top in (0, max(height - band, 0)):
        draw.rectangle((0, top, width, top + band), fill=(255, 255, 255, 210))
        for number, line in enumerate(lines):
            draw.text((6, top + 3 + number * line_height), line, font=font, fill=(170, 0, 0, 255))
    across = Image.new("RGBA", (width * 2, height * 2), (0, 0, 0, 0))
    across_draw = ImageDraw.Draw(across)
    for y in range(0, height * 2, max(band * 3, 60)):
        across_draw.text((0, y), f"{stamp}   {stamp}", font=font, fill=(170, 0, 0, 60))
    across = across.rotate(30, center=(width, height)).crop((width // 2, height // 2, width // 2 + width,
                                                             height // 2 + height))
    stamped = Image.alpha_composite(Image.alpha_composite(image, across), layer)
    out = io.BytesIO()
    if fmt == "JPEG":
        stamped.convert("RGB").save(out, "JPEG", quality=90, comment=stamp.encode("utf-8"))
        return out.getvalue(), "image/jpeg"
    info = PngImagePlugin.PngInfo()
    info.add_itxt("Comment", stamp)
    stamped.save(out, "PNG", pnginfo=info)
    return out.getvalue(), "image/png"
