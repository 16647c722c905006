"""The only module that touches the Twilio SDK: webhook signatures (and, with it, sending)."""
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
