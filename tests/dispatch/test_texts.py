"""Every outgoing SMS, in both languages, within two segments; Cyrillic counted as UCS-2."""
import pytest

from dispatch import texts


def test_segments_follow_the_encoding():
    assert texts.segments("a" * 160) == 1 and texts.segments("a" * 161) == 2 and texts.segments("a" * 307) == 3
    assert texts.segments("я" * 70) == 1 and texts.segments("я" * 71) == 2 and texts.segments("я" * 135) == 3
    assert texts.segments("a" * 100 + "€") == 2  # one character outside GSM-7 turns the whole text UCS-2


@pytest.mark.parametrize("language", ["en", "ru"])
def test_every_template_fits_two_segments_with_a_long_address(app, language):
    with app.test_request_context():
        samples = texts.samples(language)
    assert len(samples) == 11
    for name, text in samples:
        assert "%(" not in text, name
        assert texts.segments(text) <= texts.MAX_SEGMENTS, (name, len(text), text)
    if language == "ru":
        assert all(not set(text) <= texts.GSM7 for _name, text in samples)  # Cyrillic: UCS-2, 67 a segment
