"""Posting SMS replies exactly as Twilio does: form-encoded and signed."""
import itertools

from twilio.request_validator import RequestValidator

from config import TestConfig

URL = TestConfig.PUBLIC_BASE_URL + "/sms/inbound"
_sids = itertools.count(1)


def signed(params: dict, url: str = URL, token: str = TestConfig.TWILIO_AUTH_TOKEN) -> dict:
    return {"X-Twilio-Signature": RequestValidator(token).compute_signature(url, params)}


def reply_form(phone: str, body: str, sid: str | None = None) -> dict:
    return {"MessageSid": sid or f"SM{next(_sids):032d}", "AccountSid": "AC" + "0" * 32, "From": phone,
            "To": "+15005550006", "Body": body, "NumMedia": "0"}


def send(client, phone: str, body: str, sid: str | None = None):
    form = reply_form(phone, body, sid)
    return client.post("/sms/inbound", data=form, headers=signed(form))
