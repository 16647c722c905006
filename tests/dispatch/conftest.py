"""Fixtures of dispatch tests: the Twilio backend against a fake Twilio server."""
import pytest

from dispatch import gateway
from tests.fakes.twilio import FakeTwilio


@pytest.fixture
def twilio(app, monkeypatch):
    """SMS_BACKEND=twilio against a FakeTwilio on 127.0.0.1; its .plan says how the next creates fail."""
    with FakeTwilio() as fake:
        for key, value in {"SMS_BACKEND": "twilio", "TWILIO_API_BASE": fake.url, "TWILIO_ACCOUNT_SID": "AC" + "1" * 32,
                           "TWILIO_MESSAGING_SERVICE_SID": "MG" + "2" * 32, "TWILIO_TIMEOUT": 2}.items():
            monkeypatch.setitem(app.config, key, value)
        monkeypatch.setattr(gateway, "BACKOFF_SECONDS", (0.01, 0.01, 0.01))
        yield fake
