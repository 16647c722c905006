"""The only module that touches the Twilio SDK: webhook signatures (and, with it, sending)."""
import uuid

from flask import current_app, request
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse


def _validator() -> RequestValidator:
    return RequestValidator(current_app.config["TWILIO_AUTH_TOKEN"])


def public_url() -> str:
    """Return the URL Twilio signed for this request: PUBLIC_BASE_URL + path (+ query)."""
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    query = request.query_string.decode()
    return f"{base}{request.path}" + (f"?{query}" if query else "")


def signature_is_valid() -> bool:
    """Check X-Twilio-Signature of the current form-encoded webhook request."""
    signature = request.headers.get("X-Twilio-Signature", "")
    return bool(signature) and _validator().validate(public_url(), request.form.to_dict(), signature)


def sign(url: str, params: dict) -> str:
    """Return the signature Twilio would send for params posted to url (for the simulator and tests)."""
    return _validator().compute_signature(url, params)


def twiml(text: str) -> str:
    """Return a TwiML answer carrying text (empty TwiML for no answer)."""
    response = MessagingResponse()
    if text:
        response.message(text)
    return str(response)


class Sent:
    """What the gateway says about a message it accepted."""

    def __init__(self, sid: str, status: str):
        self.sid, self.status = sid, status


class SimulatorGateway:
    """Keeps outbound SMS in the database only (the Message row is the SMS); never loses one."""

    def send(self, to: str, body: str) -> Sent:
        return Sent("SM" + uuid.uuid4().hex, "delivered")  # the Message row the caller stores is the SMS

    def find_sent(self, to: str, body: str, since) -> str | None:
        return None  # the simulator never leaves a send in doubt


def sms_gateway():
    """Return the configured SMS backend (SMS_BACKEND: simulator | twilio)."""
    backend = current_app.config["SMS_BACKEND"]
    if backend == "simulator":
        return SimulatorGateway()
    raise RuntimeError(f"SMS_BACKEND={backend!r} is not available; use 'simulator'")
