"""The API keeps its OpenAPI contract: schemathesis, every check, against the app over real HTTP.

Any server error, undocumented status, answer that violates its schema, 405 without
Allow or request accepted without a token fails the test; its report is the message.
The run is bounded and repeatable: tests/api/schemathesis.toml fixes the number of
examples, the seed and one worker.
"""
import os
import re
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest

from core.service import issue_token
from ratings.service import record_event
from tests import factories

CONFIG = Path(__file__).with_name("schemathesis.toml")
SCHEMATHESIS = Path(sys.executable).with_name("st")


@pytest.fixture
def api_token(city):
    """A head-office admin's token over a city with orders, offers, a rating history and leads."""
    starts = datetime(2027, 3, 2, 6, tzinfo=timezone.utc)
    for side in ("a", "b"):
        order = factories.order(getattr(city, f"{side}_site"), starts_at=starts)
        factories.offer(order, getattr(city, f"{side}_worker"), state="booked", offered_at=starts, wave=1)
    record_event(city.a_worker.id, "late", starts, minutes=20, quality=4)
    record_event(city.b_worker.id, "withdrew", starts, notice_hours=12)
    factories.lead(city.a)
    factories.lead(city.b, source="campaign", campaign="winter")
    return issue_token(city.admin)


def test_schemathesis_finds_no_failure(live_server, api_token, tmp_path):
    command = [str(SCHEMATHESIS), "--config-file", str(CONFIG), "run", f"{live_server}/api/v1/openapi.json",
               "--checks", "all", "-H", f"Authorization: Bearer {api_token}"]
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "120"}
    result = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    report = result.stdout + result.stderr
    assert result.returncode == 0, report[-30000:]
    selected, total = map(int, re.search(r"Operations:\s+(\d+) selected / (\d+) total", report).groups())
    assert selected == total > 0, report  # every operation of the document was exercised
    assert re.search(r"Tested:\s+%d\b" % total, report), report
