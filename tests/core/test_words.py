"""Every page speaks words, never stored codes: no `indoor_warm`, `no_show` or `waitlisted` in what people read.

The walk reads the app's URL map, as the role and tenancy walks do, so a new page is walked
without touching this file. Franchise A holds rows in every status, state, condition, outcome
and kind the models know, and their history; each page is read in Russian and in English by
head office and by A's staff, and its visible text (text nodes only: no tags, attribute values,
option values or scripts) must not hold any known code as a whole word. Text marked as another
language (an English SMS sample on a Russian page) is that language's, not the page's.
"""
import re
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from babel.messages.pofile import read_po
from freezegun import freeze_time
from sqlalchemy import select

from clients.models import SITE_CONDITIONS
from core import i18n
from core.models import ROLES, AuditEntry
from core.service import record_class
from dispatch.models import ALERT_KINDS, Alert, Message, MessageReader
from dispatch.states import STATES
from dispatch.status import RANK
from dispatch.texts import samples
from franchise.models import FRANCHISE_STATUSES, TIERS
from orders.models import ATTENDANCE_OUTCOMES, ORDER_STATUSES, Attendance, RateCard
from ratings.formulas import KINDS
from ratings.models import RatingEvent
from tests import factories
from tests.core.test_i18n import CATALOG
from workers.models import WORKER_STATUSES, Interview, StatusChange, WorkerBlackout

LABEL_TABLES = (
    i18n.ROLE_LABELS, i18n.TIER_LABELS, i18n.STATUS_LABELS, i18n.CONDITION_LABELS, i18n.EVENT_LABELS,
    i18n.TIER_NAMES, i18n.ORDER_STATUS_LABELS, i18n.OFFER_STATE_LABELS, i18n.ALERT_TEXTS, i18n.ACTION_LABELS,
    i18n.FRANCHISE_STATUS_LABELS, i18n.MESSAGE_STATUS_LABELS, i18n.INTERVIEW_LABELS, i18n.SMS_TEMPLATE_LABELS,
)
CODES = ({code for table in LABEL_TABLES for code in table} | set(ROLES) | set(TIERS) | set(FRANCHISE_STATUSES)
         | set(SITE_CONDITIONS) | set(ORDER_STATUSES) | set(ATTENDANCE_OUTCOMES) | set(STATES) | set(RANK)
         | set(ALERT_KINDS) | set(KINDS) | set(WORKER_STATUSES))
NOW = datetime(2026, 12, 1, 10, tzinfo=timezone.utc)
FRAMEWORK_ENDPOINTS = {"static", "core.logout", "core.login"}
# head office sees every page; a partner his portal, a foreman his sites
WALKERS = ("admin", "a_partner", "a_foreman")


def english_words() -> set[str]:
    """Words of the English interface itself: a code that is one of them ("active") reads right in English."""
    words = set()
    for message in read_po(CATALOG.open("rb")):
        for text in message.id if isinstance(message.id, tuple) else [message.id]:
            words |= {w.lower() for w in re.findall(r"[A-Za-z_]+", text or "")}
    return words


def codes_to_find(locale: str) -> set[str]:
    return CODES if locale == "ru" else {c for c in CODES if c not in english_words()}


class VisibleText(HTMLParser):
    """Collect the text nodes people read, in the page's language."""

    SKIPPED = ("script", "style", "template")

    def __init__(self, locale):
        super().__init__()
        self.locale, self.skipping, self.parts = locale, [], []

    def handle_starttag(self, tag, attrs):
        lang = dict(attrs).get("lang")
        if self.skipping and self.skipping[-1][0] == tag:
            self.skipping[-1][1] += 1
        elif tag in self.SKIPPED or (lang and tag != "html" and not lang.startswith(self.locale)):
            self.skipping.append([tag, 1])

    def handle_endtag(self, tag):
        if self.skipping and self.skipping[-1][0] == tag:
            self.skipping[-1][1] -= 1
            if not self.skipping[-1][1]:
                self.skipping.pop()

    def handle_data(self, data):
        if not self.skipping:
            self.parts.append(data)


def visible_text(html: str, locale: str) -> str:
    parser = VisibleText(locale)
    parser.feed(html)
    return " ".join(parser.parts)


def raw_codes(text: str, codes) -> list[str]:
    """Return the codes standing as whole words in text (``no_show``, not ``no-show`` or ``Worker5``)."""
    return sorted(c for c in codes if re.search(rf"(?<![\w@.-]){re.escape(c)}(?![\w@-]|\.\w)", text))


def seed_everything(net):
    """Give franchise A a row in every status, state, condition, outcome and kind, with changes in its history."""
    db = factories.db
    moscow = net.moscow
    workers = {status: factories.worker(moscow, status=status, first_name="Пётр", last_name=f"Иванов{n}")
               for n, status in enumerate(WORKER_STATUSES)}
    crew = [factories.worker(moscow, first_name="Олег", last_name=f"Сидоров{n}") for n in range(len(STATES))]
    sites = [factories.site(net.a_client, conditions=c, name=f"Склад {n}", address=f"Улица {n}")
             for n, c in enumerate(SITE_CONDITIONS)]
    orders = {s: factories.order(sites[n % len(sites)], needed=2, target=3, status=s, code=f"71{n:04d}",
                                 starts_at=NOW + timedelta(days=1 if s in ("draft", "dispatching", "filled") else -1))
              for n, s in enumerate(ORDER_STATUSES)}
    live = orders["dispatching"]
    for worker, state in zip(crew, STATES):
        factories.offer(live, worker, state=state, booked_at=NOW if state in ("booked", "confirmed") else None)
    done = orders["completed"]
    for worker, outcome in zip(crew, ATTENDANCE_OUTCOMES):
        factories.offer(done, worker, state="confirmed", booked_at=NOW - timedelta(days=2), reliability=Decimal("0.8"))
        factories._save(Attendance(order_id=done.id, worker_id=worker.id, outcome=outcome, franchise_id=net.a.id,
                                   hours=Decimal("8"), minutes_late=15 if outcome == "late" else None))
    rated = crew[0]
    for n, kind in enumerate(KINDS):
        factories._save(RatingEvent(worker_id=rated.id, kind=kind, occurred_at=NOW - timedelta(hours=n),
                                    order_id=done.id, rating_before=Decimal("4"), rating_after=Decimal("4"),
                                    reliability_before=Decimal("0.8"), reliability_after=Decimal("0.8")))
    for n, status in enumerate(RANK):
        message = factories._save(Message(
            direction="in" if status.startswith("rece") else "out", phone=rated.phone, body=f"Текст {n}",
            status=status, kind="offer", worker_id=rated.id, region_id=moscow.id, order_id=live.id,
            franchise_id=net.a.id, needs_attention=status == "received"))
        if status == "received":
            factories._save(MessageReader(message_id=message.id, franchise_id=net.a.id))
        if status == "failed":
            factories._save(Alert(order_id=live.id, message_id=message.id, kind="send_failed", detail="offer",
                                  franchise_id=net.a.id))
    for kind in ALERT_KINDS:
        if kind != "send_failed":
            factories._save(Alert(order_id=live.id, kind=kind, detail="1/2", franchise_id=net.a.id))
    applicant = workers["applicant"]
    for outcome in ("approved", "rejected"):
        factories._save(Interview(worker_id=applicant.id, recruiter_id=net.a_recruiter.id, outcome=outcome))
    for before, after in zip(WORKER_STATUSES, WORKER_STATUSES[1:]):
        factories._save(StatusChange(worker_id=applicant.id, from_status=before, to_status=after, by_id=net.admin.id))
    blackout = factories._save(WorkerBlackout(worker_id=applicant.id, day=NOW.date() + timedelta(days=3)))
    card = factories._save(RateCard(region_id=moscow.id, work_type="loading", conditions="indoor_warm",
                                    pay_rate=Decimal("350"), bill_rate=Decimal("500")))
    # Changes, so that every history shows old and new values of its coded columns
    applicant.status, applicant.language = "suspended", "en"
    live.status, live.urgent, live.pay_rate = "filled", True, Decimal("350.00")
    sites[0].conditions = "hazardous"
    card.conditions = "indoor_cold"
    net.b.status, net.c.status = "suspended", "terminated"
    db.session.commit()
    # one history per audited table, a changed row's where there is one
    histories = {}
    for entry in db.session.scalars(select(AuditEntry).order_by(AuditEntry.action != "update", AuditEntry.id)):
        histories.setdefault(entry.table_name, entry.row_id)
    return {
        "worker_id": [applicant.id, rated.id] + [w.id for w in workers.values()],
        "order_id": [o.id for o in orders.values()],
        "client_id": [net.a_client.id],
        "franchise_id": [net.a.id, net.b.id, net.c.id],
        "blackout_id": [blackout.id],
        "histories": sorted(h for h in histories.items() if record_class(h[0]) is not None),
    }


def _urls(rule, rows):
    """Yield every URL of a page rule with A's ids; none for a rule whose arguments the walk cannot fill."""
    args = set(rule.arguments)
    if args == {"table", "row_id"}:
        for table, row_id in rows["histories"]:
            yield f"/records/{table}/{row_id}/history"
        return
    if not args:
        yield rule.rule
        return
    if len(args) != 1 or next(iter(args)) not in rows:
        return
    arg = next(iter(args))
    for value in rows[arg]:
        yield rule.rule.replace(f"<int:{arg}>", str(value)).replace(f"<{arg}>", str(value))


def walk(app, client, auth, net, rows, locale):
    """Read every page in locale as each walker; return (endpoints read, {url: raw codes found})."""
    codes = codes_to_find(locale)
    found, read = {}, set()
    for who in WALKERS:
        user = getattr(net, who)
        user.locale = locale
        factories.db.session.commit()
        assert auth.login(user.email).status_code == 302
        for rule in app.url_map.iter_rules():
            if rule.endpoint in FRAMEWORK_ENDPOINTS or "GET" not in rule.methods or rule.rule.startswith("/api/"):
                continue
            for url in _urls(rule, rows):
                response = client.get(url)
                if response.status_code != 200 or response.mimetype != "text/html":
                    continue
                read.add(rule.endpoint)
                raw = raw_codes(visible_text(response.get_data(as_text=True), locale), codes)
                if raw:
                    found[f"{url} as {who}"] = raw
        client.post("/logout")
    return read, found


@pytest.mark.parametrize("locale", ["ru", "en"])
def test_no_page_shows_a_stored_code(app, client, auth, db, city, locale):
    with freeze_time(NOW):
        rows = seed_everything(city)
        read, found = walk(app, client, auth, city, rows, locale)
    assert found == {}, "\n".join(f"{url}: {', '.join(codes)}" for url, codes in found.items())
    assert {"core.history", "orders.detail", "orders.attendance_sheet", "workers.detail", "dispatch.inbox",
            "franchise.portal", "franchise.admin_home", "orders.foreman_home"} <= read and len(read) > 25
    assert {name for name, _text in samples(locale)} <= set(i18n.SMS_TEMPLATE_LABELS)  # the SMS templates page names


def test_the_walk_finds_a_code_left_raw():
    """Guard against a walk that passes because it can never see a code."""
    page = ('<html lang="ru"><body><p title="indoor_warm">Склад: indoor_warm</p><select><option value="no_show">'
            'не вышел</option></select><script>var s = "waitlisted";</script><td lang="en">booked</td>'
            '<span>admin@test.artel</span></body></html>')
    assert raw_codes(visible_text(page, "ru"), CODES) == ["indoor_warm"]
    assert "active" in CODES and "active" not in codes_to_find("en") and "no_show" in codes_to_find("en")
