"""Order input from outside: every malformed value is a clear 422 and saves nothing."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from core import service as core_service
from core.timeutil import utcnow
from orders.models import Order

START = utcnow().replace(microsecond=0) + timedelta(days=2)


@pytest.mark.parametrize("value", ["nan", "NaN", "inf", "-Infinity", "snan", "0.5", "3.5", "abc", ""])
def test_an_overbooking_that_is_not_a_factor_from_1_to_3_is_refused(client, db, city, value):
    token = core_service.issue_token(city.a_dispatcher, "a")
    body = {"client_id": city.a_client.id, "site_id": city.a_site.id, "work_type": "loading", "workers_needed": 2,
            "starts_at": START.isoformat(), "ends_at": (START + timedelta(hours=8)).isoformat(),
            "pay_rate": "100", "bill_rate": "220", "overbooking": value}
    response = client.post("/api/v1/orders/", json=body, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 422, response.get_data(as_text=True)
    assert "overbooking" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Order)) == 0
