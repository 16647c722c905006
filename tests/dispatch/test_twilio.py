"""The Twilio backend through the official SDK against a fake Twilio server; delivery callbacks."""
import pytest
from freezegun import freeze_time
from sqlalchemy import select

from dispatch import gateway, jobs
from dispatch.models import Message, Offer
from tests import factories
from tests.dispatch.sms import signed
from workers.models import Worker

STATUS_URL = "http://artel.test/sms/status"


@pytest.fixture(autouse=True)
def afternoon():
    """13:00 in Moscow: no quiet hours hold an offer back."""
    with freeze_time("2026-12-01 10:00:00"):
        yield


@pytest.fixture
def offer(db, network):
    order = factories.order(network.a_site, needed=1, target=1)
    return factories.offer(order, network.a_worker)


def message(db):
    db.session.expire_all()
    return db.session.scalar(select(Message).where(Message.direction == "out"))


def test_an_offer_goes_out_through_the_sdk(db, twilio, offer):
    sid = jobs.send_offer(offer.id)
    [create] = twilio.creates
    assert create["To"] == offer.worker.phone and create["MessagingServiceSid"].startswith("MG")
    assert create["StatusCallback"] == STATUS_URL
    assert sid == twilio.stored[0]["sid"] == message(db).sid


def test_429_is_retried_with_backoff(db, twilio, offer):
    twilio.plan = ["429", "429"]
    assert jobs.send_offer(offer.id)
    assert len(twilio.creates) == 3 and len(twilio.stored) == 1


def test_a_5xx_after_twilio_kept_the_message_is_looked_up_not_sent_again(db, twilio, offer):
    twilio.plan = ["500-kept"]
    with pytest.raises(gateway.AmbiguousSend):
        jobs.send_offer(offer.id)
    assert message(db).status == "sending" and message(db).sid is None
    sid = jobs.send_offer(offer.id)  # RQ's retry
    assert len(twilio.creates) == 1 and sid == twilio.stored[0]["sid"]
    assert db.session.get(Offer, offer.id).offered_at is not None


def test_a_5xx_that_lost_the_message_is_sent_again_once(db, twilio, offer):
    twilio.plan = ["500"]
    with pytest.raises(gateway.AmbiguousSend):
        jobs.send_offer(offer.id)
    assert jobs.send_offer(offer.id) == twilio.stored[0]["sid"]
    assert len(twilio.stored) == 1 and len(twilio.creates) == 2


def test_the_sdk_keeps_its_connection_to_twilio_alive(app, twilio):
    with app.app_context():
        for n in range(3):
            gateway.sms_gateway().send(f"+7922000000{n}", "Smena: loading, 07:00")
    assert len(twilio.stored) == 3 and twilio.connections == 1  # one connection for every send of the thread


def test_the_environment_is_read_once_and_its_proxy_and_ca_bundle_still_used(monkeypatch):
    for name in ("NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/ssl/certs/ca-certificates.crt")
    http = gateway._http_client(None, 5)
    settings = http.session.merge_environment_settings(gateway.TWILIO_API, http.proxy, None, None, None)
    assert settings["proxies"]["https"] == "http://proxy.example:3128" and http.session.trust_env is False
    assert settings["verify"] == "/etc/ssl/certs/ca-certificates.crt"
    monkeypatch.setenv("NO_PROXY", "api.twilio.com")
    assert "https" not in gateway._http_client(None, 5).proxy


def test_a_refused_connection_is_retried_then_ambiguous(app, db, offer, monkeypatch):
    monkeypatch.setitem(app.config, "SMS_BACKEND", "twilio")
    monkeypatch.setitem(app.config, "TWILIO_API_BASE", "http://127.0.0.1:1")
    monkeypatch.setitem(app.config, "TWILIO_ACCOUNT_SID", "AC" + "1" * 32)
    monkeypatch.setitem(app.config, "TWILIO_FROM", "+15005550006")
    monkeypatch.setattr(gateway, "BACKOFF_SECONDS", (0.01, 0.01, 0.01))
    with pytest.raises(gateway.AmbiguousSend):
        jobs.send_offer(offer.id)


def test_21610_marks_the_worker_opted_out_and_never_retries(db, twilio, offer):
    twilio.plan = [21610]
    assert jobs.send_offer(offer.id) is None
    db.session.expire_all()
    assert db.session.get(Worker, offer.worker_id).opted_out is True
    assert db.session.get(Offer, offer.id).state == "cancelled"
    assert (message(db).status, message(db).error_code) == ("failed", 21610)
    assert jobs.send_offer(offer.id) is None and len(twilio.creates) == 1


def callback(client, sid, status, code=""):
    form = {"MessageSid": sid, "MessageStatus": status, "AccountSid": "AC" + "1" * 32}
    if code:
        form["ErrorCode"] = code
    return client.post("/sms/status", data=form, headers=signed(form, STATUS_URL))


def test_status_callbacks_move_forward_only(client, db, twilio, offer):
    sid = jobs.send_offer(offer.id)
    assert callback(client, sid, "sent").status_code == 204
    assert callback(client, sid, "delivered").status_code == 204
    callback(client, sid, "sent")  # late, out of order
    callback(client, sid, "delivered")  # repeated
    callback(client, sid, "undelivered")  # a final status is never changed
    assert message(db).status == "delivered"


def test_a_callback_reporting_21610_opts_the_worker_out(client, db, twilio, offer):
    sid = jobs.send_offer(offer.id)
    callback(client, sid, "failed", "21610")
    db.session.expire_all()
    assert message(db).status == "failed" and db.session.get(Worker, offer.worker_id).opted_out is True


def test_forged_or_incomplete_callbacks_change_nothing(client, db, twilio, offer):
    sid = jobs.send_offer(offer.id)
    form = {"MessageSid": sid, "MessageStatus": "failed"}
    assert client.post("/sms/status", data=form, headers={"X-Twilio-Signature": "forged"}).status_code == 403
    assert client.post("/sms/status", data={"MessageSid": sid}, headers=signed({"MessageSid": sid}, STATUS_URL)).status_code == 400
    assert message(db).status == "queued"
