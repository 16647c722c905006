"""The only module that touches the Twilio SDK: webhook signatures, TwiML (SMS and voice), and sending.

Twilio's message create is not idempotent, so a send is retried blindly only when the
request certainly did not arrive (429 Too Many Requests, a refused connection). A
timeout or a 5xx is ambiguous: ``AmbiguousSend`` is raised, the caller keeps its
"sending" record, and the next attempt first looks the message up (``find_sent``).
"""
import os
import threading
import time
import uuid
from datetime import timedelta
from urllib.parse import urlsplit

from flask import current_app, request
from requests.exceptions import ConnectionError as RequestsConnectionError
from requests.exceptions import ConnectTimeout, ReadTimeout
from requests.utils import get_environ_proxies
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.request_validator import RequestValidator
from twilio.rest import Client
from twilio.twiml.messaging_response import MessagingResponse
from twilio.twiml.voice_response import VoiceResponse

OPTED_OUT, INVALID_NUMBER = 21610, 21211
BACKOFF_SECONDS = (0.5, 1.0, 2.0)


class AmbiguousSend(RuntimeError):
    """The send may or may not have reached Twilio: look it up before sending again."""


class PermanentSmsError(RuntimeError):
    """Twilio refused the message for good (e.g. 21610 unsubscribed, 21211 invalid number)."""

    def __init__(self, code: int, message: str):
        super().__init__(message)
        self.code = code


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


def voice_twiml(greeting: str, queue: str, language: str = "ru-RU") -> str:
    """Return the TwiML that greets a caller and holds him in queue until an agent answers."""
    response = VoiceResponse()
    response.say(greeting, language=language)
    response.enqueue(queue)
    return str(response)


class Sent:
    """What the gateway says about a message it accepted."""

    def __init__(self, sid: str, status: str):
        self.sid, self.status = sid, status


class SimulatorGateway:
    """Keeps outbound SMS in the database only (the Message row is the SMS); never loses one."""

    def send(self, to: str, body: str, sender: str | None = None) -> Sent:
        return Sent("SM" + uuid.uuid4().hex, "delivered")  # the Message row the caller stores is the SMS

    def find_sent(self, to: str, body: str, since) -> str | None:
        return None  # the simulator never leaves a send in doubt


def _origin(sender: str) -> dict:
    """The SDK's argument for a sender: a Messaging Service SID (MG...) or a number."""
    return {"messaging_service_sid": sender} if sender.startswith("MG") else {"from_": sender}


TWILIO_API = "https://api.twilio.com"


def _http_client(base: str | None, timeout: float) -> TwilioHttpClient:
    """Return the SDK's HTTP client for base (None: Twilio itself), its proxy and CA bundle read from the environment once.

    requests would look the environment up again on every send (a tenth of a send's time);
    the client's session keeps its connection alive from one send to the next.
    """
    url = base or TWILIO_API
    http = _ApiBaseClient(base, timeout=timeout) if base else TwilioHttpClient(timeout=timeout)
    http.proxy = get_environ_proxies(url)  # HTTPS_PROXY, NO_PROXY... as requests would read them per send
    http.session.verify = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or True
    http.session.trust_env = False
    return http


class _ApiBaseClient(TwilioHttpClient):
    """Sends the SDK's requests to another host (TWILIO_API_BASE), keeping the path: for tests."""

    def __init__(self, base: str, **kwargs):
        super().__init__(**kwargs)
        self.base = urlsplit(base)

    def request(self, method, url, *args, **kwargs):
        parts = urlsplit(url)._replace(scheme=self.base.scheme, netloc=self.base.netloc)
        return super().request(method, parts.geturl(), *args, **kwargs)


class TwilioGateway:
    """Sends through Twilio's REST API with the official SDK."""

    def __init__(self, config):
        http = _http_client(config.get("TWILIO_API_BASE"), config["TWILIO_TIMEOUT"])
        self.client = Client(config["TWILIO_ACCOUNT_SID"], config["TWILIO_AUTH_TOKEN"], http_client=http)
        network = config.get("TWILIO_MESSAGING_SERVICE_SID") or config.get("TWILIO_FROM")
        self.sender = _origin(network) if network else {"from_": None}
        self.callback = config["PUBLIC_BASE_URL"].rstrip("/") + "/sms/status"

    def send(self, to: str, body: str, sender: str | None = None) -> Sent:
        """Send body to to, from sender (a branch's own number or Messaging Service SID) or the network's."""
        origin = _origin(sender) if sender else self.sender
        for attempt, pause in enumerate((*BACKOFF_SECONDS, None)):
            try:
                message = self.client.messages.create(to=to, body=body, status_callback=self.callback, **origin)
                return Sent(message.sid, message.status or "queued")
            except TwilioRestException as exc:
                if exc.status == 429 and pause is not None:
                    time.sleep(pause)
                    continue
                if exc.status >= 500 or exc.status == 429:
                    raise AmbiguousSend(f"Twilio answered {exc.status}") from exc
                raise PermanentSmsError(exc.code or exc.status, exc.msg) from exc
            except (ConnectTimeout, ReadTimeout) as exc:
                raise AmbiguousSend("Twilio did not answer in time") from exc
            except RequestsConnectionError as exc:  # refused: nothing was sent
                if pause is None:
                    raise AmbiguousSend("Twilio could not be reached") from exc
                time.sleep(pause)
        raise AmbiguousSend("unreachable")

    def find_sent(self, to: str, body: str, since) -> str | None:
        """Return the SID of a message with this body already sent to this number since then."""
        for message in self.client.messages.list(to=to, date_sent_after=since - timedelta(minutes=5), limit=50):
            if message.body == body:
                return message.sid
        return None


_KEPT = "artel_twilio_gateway"


def sms_gateway():
    """Return the configured SMS backend (SMS_BACKEND: simulator | twilio).

    The Twilio gateway is kept on the app per thread, so its HTTP session (and the
    connection it keeps alive) serves every send of that worker thread.
    """
    config = current_app.config
    if config["SMS_BACKEND"] != "twilio":
        return SimulatorGateway()
    kept = current_app.extensions.setdefault(_KEPT, threading.local())
    settings = (config.get("TWILIO_API_BASE"), config["TWILIO_ACCOUNT_SID"], config["TWILIO_AUTH_TOKEN"],
                config.get("TWILIO_MESSAGING_SERVICE_SID"), config.get("TWILIO_FROM"), config["TWILIO_TIMEOUT"],
                config["PUBLIC_BASE_URL"])
    if getattr(kept, "settings", None) != settings:  # first use in this thread, or the settings changed
        kept.gateway, kept.settings = TwilioGateway(config), settings
    return kept.gateway
