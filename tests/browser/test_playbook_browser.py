"""In a real browser: head office uploads an official-package document; A (official) opens it and sees his stamp,
B (brand, the same city) does not see it in his list."""
from freezegun import freeze_time

from tests.browser.test_login_browser import _log_in

MANUAL = "Tender rules\n\nCheck the bid guarantee before you apply.\nCount shifts with a third of no-shows.\n"


@freeze_time("2026-12-01 10:00:00", tick=True, real_asyncio=True)
def test_head_office_uploads_and_only_the_right_package_opens_it_stamped(app, live_server, browser, page, city,
                                                                         monkeypatch, tmp_path):
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(tmp_path))
    _log_in(page, live_server, city.admin.email)
    page.wait_for_url(f"{live_server}/admin")
    page.click("nav >> text=Playbook")
    page.wait_for_url(f"{live_server}/playbook/")
    form = page.get_by_test_id("upload")
    form.locator("input[name=title]").fill("Tenders for officials")
    form.locator("select[name=min_tier]").select_option("official")
    form.locator("input[name=file]").set_input_files(
        files=[{"name": "tenders.txt", "mimeType": "text/plain", "buffer": MANUAL.encode()}])
    page.get_by_test_id("upload-document").click()
    page.wait_for_url(f"{live_server}/playbook/*")
    assert "is in the playbook" in page.content()

    official = browser.new_context().new_page()
    _log_in(official, live_server, city.a_partner.email)
    official.wait_for_url(f"{live_server}/portal")
    official.get_by_test_id("playbook-link").click()
    official.wait_for_url(f"{live_server}/playbook/")
    official.click("text=Tenders for officials")
    text = official.get_by_test_id("document-text").inner_text()
    assert "Check the bid guarantee before you apply." in text
    first = text.strip().splitlines()[0]
    assert city.a.name in first and city.a_partner.email in first and "2026-12-01 13:0" in first and "MSK" in first
    official.context.close()

    brand = browser.new_context().new_page()
    _log_in(brand, live_server, city.b_partner.email)
    brand.wait_for_url(f"{live_server}/portal")
    brand.get_by_test_id("playbook-link").click()
    brand.wait_for_url(f"{live_server}/playbook/")
    assert "Tenders for officials" not in brand.get_by_test_id("documents").inner_text()
    brand.context.close()
