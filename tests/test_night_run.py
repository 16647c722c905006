"""The night run of `make test` (tests/at-night.sh) really moves the clock, in this process and in its children."""
import os
import subprocess
import sys
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from types import SimpleNamespace
from urllib.request import urlopen
from zoneinfo import ZoneInfo

import pytest

from core.timeutil import utcnow
from dispatch.hours import quiet_until

NIGHT = os.environ.get("ARTEL_NIGHT")

pytestmark = pytest.mark.skipif(not NIGHT, reason="runs in the night run of make test (tests/at-night.sh)")


def test_the_night_run_sees_night_in_moscow_in_every_process(live_server):
    start = datetime.fromisoformat(NIGHT)
    now = utcnow()
    assert start <= now < start + timedelta(hours=1), now
    assert now.astimezone(ZoneInfo("Europe/Moscow")).hour in (2, 3)
    moscow = SimpleNamespace(region=SimpleNamespace(timezone="Europe/Moscow"))
    assert quiet_until(moscow, now) is not None  # the product itself sees quiet hours

    child = subprocess.run([sys.executable, "-c", "import time; print(time.time())"], capture_output=True,
                           text=True, check=True)
    assert abs(float(child.stdout) - utcnow().timestamp()) < 60  # an rq worker or gunicorn sees the same night
    with urlopen(f"{live_server}/healthz") as answer:
        served_at = parsedate_to_datetime(answer.headers["Date"])
    assert abs(served_at - utcnow()) < timedelta(minutes=1)  # the live server's answer is dated that night
