"""Royalty pages: head office closes a month and records payments; a partner sees his own statements only."""
import csv
import io
from datetime import datetime, timezone
from decimal import Decimal

import pytest
from freezegun import freeze_time
from sqlalchemy import func, select

from royalty.models import RoyaltyPayment, Statement
from tests.royalty.conftest import shift, statement_of

AFTER_NOVEMBER = "2026-12-01 12:00:00"


@freeze_time(AFTER_NOVEMBER)
def test_head_office_closes_the_month_on_the_page(client, auth, db, month):
    auth.login(month.admin.email)
    page = client.get("/royalty/").get_data(as_text=True)
    assert 'value="2026-11"' in page  # last month is offered
    response = client.post("/royalty/close", data={"period": "2026-11"}, follow_redirects=True)
    text = response.get_data(as_text=True)
    assert response.status_code == 200 and "2026-11 closed: 3 statements issued, 0 issued before." in text
    assert month.a.name in text and month.b.name in text
    again = client.post("/royalty/close", data={"period": "2026-11"}, follow_redirects=True).get_data(as_text=True)
    assert "0 statements issued, 3 issued before" in again


@freeze_time(AFTER_NOVEMBER)
@pytest.mark.parametrize("period,message", [("2026-12", "has not ended in every region"), ("11.2026", "YYYY-MM"),
                                            ("", "This field is required")])
def test_a_month_that_cannot_close_answers_on_the_form(client, auth, db, month, period, message):
    auth.login(month.admin.email)
    response = client.post("/royalty/close", data={"period": period})
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Statement)) == 0


@freeze_time(AFTER_NOVEMBER)
def test_the_statement_page_csv_and_payment(client, auth, db, month):
    auth.login(month.admin.email)
    client.post("/royalty/close", data={"period": "2026-11"})
    b = statement_of(month.b)
    page = client.get(f"/royalty/statements/{b.id}").get_data(as_text=True)
    assert "5,056.01" in page and "Fixed monthly fee" in page and f"Order {month.b1.code}" in page
    download = client.get(f"/royalty/statements/{b.id}.csv")
    assert download.status_code == 200 and download.mimetype == "text/csv"
    table = list(csv.DictReader(io.StringIO(download.get_data(as_text=True))))
    lines = [r for r in table if r["kind"] in ("order", "fee", "adjustment")]
    total = next(r for r in table if r["kind"] == "total")
    assert sum(Decimal(r["amount"]) for r in lines) == Decimal(total["amount"]) == Decimal("5056.01")
    refused = client.post(f"/royalty/statements/{b.id}/payments", data={"amount": "6000", "paid_on": "2026-12-01"})
    assert refused.status_code == 400 and "Only" in refused.get_data(as_text=True)
    bad = client.post(f"/royalty/statements/{b.id}/payments", data={"amount": "abc", "paid_on": "2026-12-01"})
    assert bad.status_code == 400
    paid = client.post(f"/royalty/statements/{b.id}/payments",
                       data={"amount": "5056.01", "paid_on": "2026-12-01", "reference": "PP 12"}, follow_redirects=True)
    assert "Payment recorded." in paid.get_data(as_text=True)
    assert db.session.scalar(select(func.sum(RoyaltyPayment.amount))) == Decimal("5056.01")


@freeze_time(AFTER_NOVEMBER)
def test_a_partner_sees_his_own_money_and_statements_only(client, auth, db, month):
    from royalty import service

    service.close_month("2026-11")
    a, b = statement_of(month.a), statement_of(month.b)
    auth.login(month.b_partner.email)
    listing = client.get("/royalty/").get_data(as_text=True)
    assert month.b.name in listing and month.a.name not in listing and 'data-testid="close-form"' not in listing
    assert client.get(f"/royalty/statements/{b.id}").status_code == 200
    for url in (f"/royalty/statements/{a.id}", f"/royalty/statements/{a.id}.csv"):
        assert client.get(url).status_code == 404
    assert client.post("/royalty/close", data={"period": "2026-11"}).status_code == 403
    assert client.post(f"/royalty/statements/{b.id}/payments", data={"amount": "1", "paid_on": "2026-12-01"}).status_code == 403
    portal = client.get("/portal").get_data(as_text=True)
    assert "5,056.01" in portal and "2026-11" in portal  # his balance and statement
    auth.logout()
    auth.login(month.b_dispatcher.email)
    assert client.get("/royalty/").status_code == 403


@freeze_time("2026-12-20 12:00:00")
def test_the_portal_shows_this_months_money_so_far(client, auth, db, month):
    shift(month.a_site, datetime(2026, 12, 10, 6, tzinfo=timezone.utc), ["10"])  # 2200.00, royalty 330.00
    shift(month.b_site, datetime(2026, 12, 10, 6, tzinfo=timezone.utc), ["1"])  # B's, not A's
    auth.login(month.a_partner.email)
    page = client.get("/portal").get_data(as_text=True)
    assert "This month so far (2026-12)" in page
    assert "3,080.00" in page and "462.00" in page  # a_next (00:30 on 1 December, 880.00) and the new one


@pytest.mark.parametrize("period", ["2026-11\n", "2026-13", "11.2026"])
def test_a_month_filter_that_is_not_a_month_is_refused(client, auth, db, month, period):
    auth.login(month.admin.email)
    response = client.get("/royalty/", query_string={"period": period})
    assert response.status_code == 400 and "YYYY-MM" in response.get_data(as_text=True)
