"""The SMS simulator: outbound texts stay in the database, and a page answers as the worker, or calls.

Answers go through the real webhook, /sms/inbound, signed exactly as Twilio signs, so
the simulator exercises the same code as production; a call goes through /voice/inbound
the same way, posted as Twilio Voice posts it.
"""
import contextvars
import uuid

from flask import current_app
from sqlalchemy import func, select

from dispatch.gateway import sign
from dispatch.models import Message
from extensions import db
from workers.models import Worker


def threads(limit: int = 100) -> list[tuple[Worker, int, Message]]:
    """Return workers with messages, latest first: (worker, message count, last message)."""
    latest = (select(Message.worker_id, func.max(Message.id).label("last"), func.count().label("n"))
              .where(Message.worker_id.is_not(None)).group_by(Message.worker_id).subquery())
    rows = db.session.execute(select(Worker, latest.c.n, Message).join(latest, latest.c.worker_id == Worker.id)
                              .join(Message, Message.id == latest.c.last).order_by(latest.c.last.desc()).limit(limit))
    return [tuple(r) for r in rows]


def thread(worker: Worker) -> list[Message]:
    return list(db.session.scalars(select(Message).where(Message.worker_id == worker.id).order_by(Message.id)))


def _post_signed(path: str, form: dict):
    """Post form to our own webhook at path, signed as Twilio signs it; return the response."""
    url = current_app.config["PUBLIC_BASE_URL"].rstrip("/") + path
    client = current_app.test_client()
    # A fresh context: the webhook must not see (or clear) this page's user and tenancy.
    response = contextvars.Context().run(client.post, path, data=form, headers={"X-Twilio-Signature": sign(url, form)})
    if response.status_code != 200:
        raise RuntimeError(f"the webhook answered {response.status_code}")
    return response


def reply_as(worker: Worker, body: str) -> str:
    """Post body to /sms/inbound as the worker, signed like Twilio; return our answer's text."""
    form = {"MessageSid": "SM" + uuid.uuid4().hex, "AccountSid": "ACsimulator", "From": worker.phone,
            "To": "simulator", "Body": body[:1600], "NumMedia": "0"}
    _post_signed("/sms/inbound", form)
    stored = db.session.scalar(select(Message).where(Message.sid == form["MessageSid"]))
    return stored.answer if stored else ""


def place_call(phone: str) -> str:
    """Call the network's number from phone: post /voice/inbound as Twilio Voice does, signed; return the CallSid."""
    sid = "CA" + uuid.uuid4().hex
    form = {"CallSid": sid, "AccountSid": "ACsimulator", "From": phone, "To": "simulator", "CallStatus": "ringing",
            "Direction": "inbound", "ApiVersion": "2010-04-01", "Caller": phone, "Called": "simulator"}
    _post_signed("/voice/inbound", form)
    return sid
