"""Calibration: predicted show-up (reliability when booked) against who the foreman marked as came."""
from datetime import timedelta
from decimal import Decimal

import pytest

from core.timeutil import utcnow
from dispatch.calibration import BandTotal, band_of, calibrate
from orders.models import Attendance
from tests import factories


def test_a_worked_example():
    [moscow] = calibrate([
        BandTotal("Moscow", band=4, count=2, sum_predicted=1.7, came=1, sum_squared_error=0.04 + 0.81),  # 0.8 came, 0.9 not
        BandTotal("Moscow", band=5, count=2, sum_predicted=1.9, came=2, sum_squared_error=0.0025 * 2),  # 0.95 and 0.95 came
    ])
    assert (moscow.placements, moscow.mean_predicted, moscow.actual_rate) == (4, pytest.approx(0.9), 0.75)
    assert moscow.brier == pytest.approx(0.855 / 4)
    assert moscow.ratio == pytest.approx(0.75 / 0.9)
    eighty, ninety = moscow.bands[4], moscow.bands[5]
    assert (eighty.count, eighty.mean_predicted, eighty.actual_rate) == (2, pytest.approx(0.85), 0.5)
    assert (ninety.count, ninety.mean_predicted, ninety.actual_rate) == (2, pytest.approx(0.95), 1.0)
    assert [b.count for b in moscow.bands[:4]] == [0, 0, 0, 0] and moscow.bands[0].actual_rate is None


def test_regions_come_out_by_name():
    rows = [BandTotal("Kazan", 0, 1, 0.4, 0, 0.16), BandTotal("Moscow", 3, 1, 0.7, 1, 0.09)]
    assert [r.region for r in calibrate(rows)] == ["Kazan", "Moscow"]
    assert calibrate([]) == []


def test_bands_include_their_lower_edge_and_the_last_one_includes_one():
    assert [band_of(p) for p in (0.0, 0.49, 0.5, 0.79, 0.8, 0.9, 1.0)] == [0, 0, 1, 3, 4, 5, 5]
    with pytest.raises(ValueError):
        band_of(1.2)


def closed_shift(db, site, region, reliabilities_and_outcomes, code):
    order = factories.order(site, needed=2, target=3, code=code, status="completed",
                            starts_at=utcnow() - timedelta(days=2))
    for p, outcome in reliabilities_and_outcomes:
        worker = factories.worker(region, reliability=Decimal("0.5"))  # his reliability today: not what counts
        factories.offer(order, worker, state="booked", reliability=Decimal(str(p)))
        if outcome:
            factories._save(Attendance(order_id=order.id, worker_id=worker.id, outcome=outcome,
                                       franchise_id=order.franchise_id))
    dropped = factories.worker(region)
    factories.offer(order, dropped, state="dropped", reliability=Decimal("0.1"))  # held no place at the shift
    return order


def test_the_page_per_region_for_each_franchise(client, auth, db, network):
    closed_shift(db, network.a_site, network.moscow, [(0.8, "came"), (0.9, "no_show"), (0.9, "late")], "1111")
    closed_shift(db, network.b_site, network.kazan, [(0.6, None)], "2222")  # unmarked: did not come
    auth.login(network.a_partner.email)
    page = client.get("/dispatch/calibration").get_data(as_text=True)
    assert "Moscow" in page and "Kazan" not in page and "2222" not in page
    assert "86.7%" in page and "66.7%" in page and "0.287" in page  # (0.8+0.9+0.9)/3, 2 of 3 came, Brier
    assert ">1111</a>" in page and "<td class=\"num\">2.6</td>" in page  # expected 2.6 of 3, 2 came
    auth.logout()
    auth.login(network.admin.email)
    page = client.get("/dispatch/calibration?days=30").get_data(as_text=True)
    assert "Moscow" in page and "Kazan" in page and "0.360" in page  # Kazan: (0.6 - 0)²


def test_an_empty_period_says_so(client, auth, db, network):
    auth.login(network.a_dispatcher.email)
    response = client.get("/dispatch/calibration?days=9999")  # an unknown period falls back to 90 days
    assert response.status_code == 200 and "No closed shifts yet" in response.get_data(as_text=True)


def test_the_templates_page_counts_segments(client, auth, db, network, monkeypatch):
    from dispatch import texts

    long_cyrillic = "Ж" * 135  # three UCS-2 segments
    monkeypatch.setattr(texts, "samples", lambda language: [("short", "Hello 4821"), ("long", long_cyrillic)])
    auth.login(network.a_dispatcher.email)
    page = client.get("/dispatch/templates").get_data(as_text=True)
    assert page.count('data-testid="too-long"') == 2  # the long one, in each language
    short = page.split('data-testid="template-en-short"')[1].split("</tr>")[0]
    assert "GSM-7" in short and ">10<" in short and '<td class="num" data-testid="segments">1</td>' in short
    long = page.split('data-testid="template-ru-long"')[1].split("</tr>")[0]
    assert "UCS-2" in long and ">135<" in long and 'data-testid="segments">3 ' in long


def test_the_real_templates_page_has_no_warning(client, auth, db, network):
    auth.login(network.a_dispatcher.email)
    page = client.get("/dispatch/templates").get_data(as_text=True)
    assert 'data-testid="template-ru-offer"' in page and 'data-testid="too-long"' not in page
