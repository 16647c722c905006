"""The SMS templates page: every outgoing text with its characters, encoding and segments."""
import re

import pytest

from dispatch import texts

LATIN = "Work 4821: 02.12 09:00-17:00, Moscow, Leninsky Prospekt 32A, 450 RUB/h. Reply YES 4821 or NO"
CYRILLIC = "Работа 4821: 02.12 09:00-17:00, Москва, Ленинский проспект 32А. Ответьте ДА 4821 или НЕТ"
LONG = "Ж" * 135  # 3 × 67 ≥ 135 > 2 × 67: three UCS-2 segments


def cells(page, testid):
    """The text of each cell of the table row marked testid."""
    row = page.split(f'data-testid="{testid}"')[1].split("</tr>")[0]
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]


@pytest.fixture
def page(client, auth, network, monkeypatch):
    samples = {"en": [("latin", LATIN)], "ru": [("cyrillic", CYRILLIC), ("long", LONG)]}
    monkeypatch.setattr(texts, "samples", lambda language: samples[language])
    auth.login(network.a_dispatcher.email)
    return client.get("/dispatch/templates").get_data(as_text=True)


def test_a_latin_text_is_counted_as_gsm7(page):
    assert cells(page, "template-en-latin") == ["latin", LATIN, str(len(LATIN)), "GSM-7", str(texts.segments(LATIN))]
    assert (len(LATIN), texts.segments(LATIN)) == (92, 1)


def test_a_cyrillic_text_is_counted_as_ucs2(page):
    assert cells(page, "template-ru-cyrillic") == ["cyrillic", CYRILLIC, str(len(CYRILLIC)), "UCS-2",
                                                   str(texts.segments(CYRILLIC))]
    assert (len(CYRILLIC), texts.segments(CYRILLIC)) == (88, 2)  # over 70: two parts of 67


def test_a_text_over_two_segments_is_marked(page):
    assert cells(page, "template-ru-long")[2:] == ["135", "UCS-2", "3 ⚠ over 2"]
    assert page.count('data-testid="too-long"') == 1
    assert 'data-testid="template-ru-long" class="error-row"' in page


def test_the_page_lists_every_real_template_in_both_languages(app, client, auth, network):
    auth.login(network.a_partner.email)
    page = client.get("/dispatch/templates").get_data(as_text=True)
    for language in ("ru", "en"):
        with app.test_request_context():
            expected = [name for name, _text in texts.samples(language)]
        table = page.split(f'data-testid="templates-{language}"')[1].split("</table>")[0]
        assert re.findall(rf'data-testid="template-{language}-([a-z_]+)"', table) == expected
        assert "offer" in expected


def test_recruiters_are_kept_out(client, auth, network):
    auth.login(network.a_recruiter.email)
    assert client.get("/dispatch/templates").status_code == 403
