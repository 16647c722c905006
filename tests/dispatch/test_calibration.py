"""Calibration: predicted show-up (reliability when booked) against who the foreman marked as came."""
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from core.timeutil import utcnow
from dispatch.calibration import Placements, band_of, calibrate
from orders.models import Attendance
from dispatch.models import Offer
from tests import factories


def test_a_worked_example():
    kazan, moscow = calibrate([
        Placements("Moscow", 0.8, True),
        Placements("Moscow", 0.85, False),
        Placements("Kazan", 0.4, False),
        Placements("Moscow", 0.95, True, count=2),
    ])
    assert (moscow.total.count, moscow.total.came) == (4, 3)
    assert moscow.total.mean_predicted == pytest.approx(0.8875)  # (0.8 + 0.85 + 2 × 0.95) / 4
    assert moscow.total.actual_rate == 0.75
    assert moscow.total.brier == pytest.approx(0.191875)  # (0.2² + 0.85² + 2 × 0.05²) / 4
    eighty, ninety = moscow.bands[4].tally, moscow.bands[5].tally
    assert (eighty.count, eighty.mean_predicted, eighty.actual_rate) == (2, pytest.approx(0.825), 0.5)
    assert (ninety.count, ninety.mean_predicted, ninety.actual_rate) == (2, pytest.approx(0.95), 1.0)
    assert [b.tally.count for b in moscow.bands[:4]] == [0, 0, 0, 0] and moscow.bands[0].tally.actual_rate is None
    assert (kazan.region, kazan.total.count, kazan.total.actual_rate) == ("Kazan", 1, 0.0)
    assert kazan.total.brier == pytest.approx(0.16) and kazan.bands[0].tally.count == 1


def test_no_placements_no_regions():
    assert calibrate([]) == []


def test_bands_include_their_lower_edge_and_the_last_one_includes_one():
    assert [band_of(p) for p in (0.0, 0.49, 0.5, 0.6, 0.79, 0.8, 0.9, 1.0)] == [0, 0, 1, 2, 3, 4, 5, 5]
    with pytest.raises(ValueError):
        band_of(1.2)


def closed_shift(site, region, places, code, days_ago=2):
    """A completed order whose places were held at (reliability when booked, outcome or None for no mark)."""
    order = factories.order(site, needed=2, target=3, code=code, status="completed",
                            starts_at=utcnow() - timedelta(days=days_ago))
    for p, outcome in places:
        worker = factories.worker(region, reliability=Decimal("0.5"))  # his reliability today: not what counts
        factories.offer(order, worker, state="booked", reliability=Decimal(p) if p else None)
        if outcome:
            factories._save(Attendance(order_id=order.id, worker_id=worker.id, outcome=outcome,
                                       franchise_id=order.franchise_id))
    dropped = factories.worker(region)
    factories.offer(order, dropped, state="dropped", reliability=Decimal("0.1"))  # held no place at the shift
    return order


def stat(page, region, name):
    """The figure named name in region's card."""
    card = page.split(f'data-testid="region-{region}"')[1].split("</section>")[0]
    return re.search(rf'data-testid="{name}">([^<]*)<', card).group(1)


def cells(page, testid):
    """The text of each cell of the table row marked testid."""
    row = page.split(f'data-testid="{testid}"')[1].split("</tr>")[0]
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]


def test_a_partner_sees_his_regions_figures_and_none_of_another_franchise(client, auth, db, network):
    closed_shift(network.a_site, network.moscow, [("0.8", "came"), ("0.9", "no_show"), ("0.9", "late")], "1111")
    closed_shift(network.b_site, network.kazan, [("0.6", None)], "2222")  # unmarked: did not come
    auth.login(network.a_partner.email)
    page = client.get("/dispatch/calibration").get_data(as_text=True)
    assert "Kazan" not in page and "2222" not in page
    figures = [stat(page, "Moscow", name) for name in ("placements", "predicted", "actual", "brier")]
    assert figures == ["3", "86.7%", "66.7%", "0.287"]  # (0.8+0.9+0.9)/3; 2 of 3 came; (0.04+0.81+0.01)/3
    assert cells(page, "band-4") == ["80–90%", "1", "80.0%", "100.0%"]
    assert cells(page, "band-5") == ["90–100%", "2", "90.0%", "50.0%"]
    assert cells(page, "order-1111")[:1] + cells(page, "order-1111")[3:] == ["1111", "3", "2.6", "2"]


def test_head_office_sees_every_region(client, auth, db, network):
    closed_shift(network.a_site, network.moscow, [("0.8", "came")], "1111")
    closed_shift(network.b_site, network.kazan, [("0.6", None)], "2222")
    auth.login(network.admin.email)
    page = client.get("/dispatch/calibration").get_data(as_text=True)
    assert stat(page, "Kazan", "actual") == "0.0%" and stat(page, "Kazan", "brier") == "0.360"  # (0.6 - 0)²
    assert stat(page, "Moscow", "brier") == "0.040"
    assert cells(page, "order-2222")[1] == "Kazan"


def test_an_older_place_without_a_recorded_reliability_counts_the_workers_current_one(client, auth, db, network):
    closed_shift(network.a_site, network.moscow, [(None, "came")], "1111")  # today's 0.5
    auth.login(network.a_dispatcher.email)
    page = client.get("/dispatch/calibration").get_data(as_text=True)
    assert stat(page, "Moscow", "predicted") == "50.0%" and stat(page, "Moscow", "brier") == "0.250"


def test_a_place_still_counts_when_its_worker_was_deleted_since(client, auth, db, network):
    order = closed_shift(network.a_site, network.moscow, [("0.8", "came")], "1111")
    held = db.session.scalar(select(Offer).where(Offer.order_id == order.id, Offer.state == "booked"))
    held.worker.deleted_at = utcnow()
    db.session.commit()
    auth.login(network.a_partner.email)
    page = client.get("/dispatch/calibration").get_data(as_text=True)
    assert stat(page, "Moscow", "placements") == "1" and stat(page, "Moscow", "predicted") == "80.0%"


def test_the_period_counts_by_the_shifts_start(client, auth, db, network):
    closed_shift(network.a_site, network.moscow, [("0.8", "came")], "1111", days_ago=40)
    closed_shift(network.a_site, network.moscow, [("0.7", "came")], "2222", days_ago=2)
    auth.login(network.a_dispatcher.email)
    month = client.get("/dispatch/calibration?days=30").get_data(as_text=True)
    assert stat(month, "Moscow", "placements") == "1" and "1111" not in month
    default = client.get("/dispatch/calibration").get_data(as_text=True)  # 90 days
    assert stat(default, "Moscow", "placements") == "2"
    assert default.index("order-2222") < default.index("order-1111")  # latest first


def test_open_shifts_do_not_count_and_an_empty_period_says_so(client, auth, db, network):
    order = factories.order(network.a_site, status="in_progress", starts_at=utcnow() - timedelta(hours=2))
    factories.offer(order, network.a_worker, state="booked", reliability=Decimal("0.9"))
    auth.login(network.a_dispatcher.email)
    response = client.get("/dispatch/calibration?days=9999")  # an unknown period falls back to 90 days
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "No closed shifts yet" in page and 'data-testid="orders"' not in page


def test_recruiters_and_foremen_are_kept_out(client, auth, db, network):
    for user in (network.a_recruiter, network.a_foreman):
        auth.login(user.email)
        assert client.get("/dispatch/calibration").status_code == 403
        auth.logout()
