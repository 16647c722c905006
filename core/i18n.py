"""Languages: every user-facing string goes through Flask-Babel (English and Russian)."""
from flask import current_app, has_request_context, request
from flask_babel import format_datetime, gettext, lazy_gettext, npgettext  # noqa: F401  (re-exported)
from flask_login import current_user

from extensions import babel


def select_locale() -> str:
    """Return the user's own language, else the browser's best match, else English."""
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # CLI and jobs: messages in the default language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    return request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]


def init_app(app) -> None:
    babel.init_app(
        app,
        locale_selector=select_locale,
        default_translation_directories=str(app.root_path + "/translations"),
    )


# Names of stored codes, for people; extracted by pybabel like any other string.
ROLE_LABELS = {
    "admin": lazy_gettext("administrator"),
    "dispatcher": lazy_gettext("dispatcher"),
    "recruiter": lazy_gettext("recruiter"),
    "foreman": lazy_gettext("foreman"),
    "callcentre": lazy_gettext("call-centre agent"),
    "partner": lazy_gettext("franchise partner"),
}
TIER_LABELS = {
    "head_office": lazy_gettext("head office"),
    "basic": lazy_gettext("basic"),
    "brand": lazy_gettext("brand"),
    "official": lazy_gettext("official representative"),
}
STATUS_LABELS = {
    "applicant": lazy_gettext("applicant"),
    "active": lazy_gettext("active"),
    "suspended": lazy_gettext("suspended"),
    "banned": lazy_gettext("banned"),
}
CONDITION_LABELS = {
    "indoor_warm": lazy_gettext("indoor, warm"),
    "indoor_cold": lazy_gettext("indoor, cold"),
    "outdoor": lazy_gettext("outdoor"),
    "hazardous": lazy_gettext("hazardous"),
}
EVENT_LABELS = {
    "came": lazy_gettext("came"),
    "late": lazy_gettext("late"),
    "left_early": lazy_gettext("left early"),
    "no_show": lazy_gettext("no-show"),
    "withdrew": lazy_gettext("withdrew"),
    "missed_reconfirmation": lazy_gettext("missed re-confirmation"),
    "complaint": lazy_gettext("client complaint"),
    "client_cancelled": lazy_gettext("cancelled by the client"),
    "opening": lazy_gettext("record before"),
}
TIER_NAMES = {
    "gold": lazy_gettext("gold"),
    "silver": lazy_gettext("silver"),
    "bronze": lazy_gettext("bronze"),
    "new": lazy_gettext("new"),
}
ORDER_STATUS_LABELS = {
    "draft": lazy_gettext("draft"),
    "dispatching": lazy_gettext("dispatching"),
    "filled": lazy_gettext("filled"),
    "in_progress": lazy_gettext("in progress"),
    "completed": lazy_gettext("completed"),
    "invoiced": lazy_gettext("invoiced"),
    "cancelled": lazy_gettext("cancelled"),
}
OFFER_STATE_LABELS = {
    "offered": lazy_gettext("offered, no answer yet"),
    "declined": lazy_gettext("declined"),
    "booked": lazy_gettext("booked"),
    "waitlisted": lazy_gettext("waitlisted"),
    "confirmed": lazy_gettext("confirmed"),
    "dropped": lazy_gettext("dropped out"),
    "expired": lazy_gettext("expired"),
    "cancelled": lazy_gettext("cancelled"),
}
# Alerts carry figures in .detail: "short" has "held/needed", "no_candidates" the places left,
# "send_failed" the kind of SMS (the page shows whom it was for), "sweep_failed" the error's name.
ALERT_TEXTS = {
    "short": lazy_gettext("Still short: %(detail)s workers booked, and the shift starts within hours."),
    "no_candidates": lazy_gettext("Candidates ran out with %(detail)s places left: book by hand, widen the search or raise the pay."),
    "worker_out": lazy_gettext("Booked workers no longer active (suspended or banned): %(detail)s. Unbook them to free their places."),
    "send_failed": lazy_gettext("An SMS could not be sent: phone the worker."),
    "sweep_failed": lazy_gettext("Reminders for this order stopped on an error (%(detail)s): remind the workers by phone and tell support."),
}
FRANCHISE_STATUS_LABELS = {
    "active": lazy_gettext("operating"),
    "suspended": lazy_gettext("on hold"),
    "terminated": lazy_gettext("contract ended"),
}
# Twilio's delivery statuses of an SMS and ours before it reaches Twilio
MESSAGE_STATUS_LABELS = {
    "queued": lazy_gettext("waiting to be sent"),
    "accepted": lazy_gettext("waiting to be sent"),
    "sending": lazy_gettext("sending"),
    "sent": lazy_gettext("sent"),
    "delivered": lazy_gettext("delivered"),
    "undelivered": lazy_gettext("not delivered"),
    "failed": lazy_gettext("could not be sent"),
    "read": lazy_gettext("read"),
    "receiving": lazy_gettext("arriving"),
    "received": lazy_gettext("received"),
}
LANGUAGE_LABELS = {
    "en": lazy_gettext("English"),
    "ru": lazy_gettext("Russian"),
}
INTERVIEW_LABELS = {
    "approved": lazy_gettext("approved"),
    "rejected": lazy_gettext("rejected"),
}
# The outgoing SMS texts, by the name dispatch.texts gives them
SMS_TEMPLATE_LABELS = {
    "offer": lazy_gettext("Job offer"),
    "reminder_evening": lazy_gettext("Reminder the evening before, asking to confirm"),
    "reminder_confirm": lazy_gettext("Reminder before the start, asking to confirm"),
    "reminder_confirmed": lazy_gettext("Reminder before the start, already confirmed"),
    "promoted_confirm": lazy_gettext("From the waitlist onto the shift, asking to confirm"),
    "promoted": lazy_gettext("From the waitlist onto the shift"),
    "booked": lazy_gettext("Booking confirmed"),
    "expired": lazy_gettext("Place released: not confirmed in time"),
    "released": lazy_gettext("Place released: the order needs fewer workers"),
    "moved": lazy_gettext("The shift's time changed"),
    "cancelled": lazy_gettext("The order is cancelled"),
}
ACTION_LABELS = {
    "create": lazy_gettext("created"),
    "update": lazy_gettext("changed"),
    "delete": lazy_gettext("deleted"),
    "restore": lazy_gettext("restored"),
    "purge": lazy_gettext("purged"),
    "export": lazy_gettext("exported"),
    "erase": lazy_gettext("personal data erased"),
}


# The word after a figure ("4 клиента", "5 клиентов"): Russian has three plural forms, English two.
COUNTED = {
    "client": lambda n: npgettext("how many", "client", "clients", n),
    "site": lambda n: npgettext("how many", "site", "sites", n),
    "worker": lambda n: npgettext("how many", "worker", "workers", n),
    "worker_in_region": lambda n: npgettext("how many", "worker in the region", "workers in the region", n),
    "active": lambda n: npgettext("how many", "active", "active", n),
    "staff": lambda n: npgettext("how many", "staff member", "staff", n),
    "region": lambda n: npgettext("how many", "region", "regions", n),
    "franchise": lambda n: npgettext("how many", "franchise", "franchises", n),
    "user": lambda n: npgettext("how many", "user", "users", n),
    "place": lambda n: npgettext("how many", "place", "places", n),
    "closed_shift": lambda n: npgettext("how many", "shift closed", "shifts closed", n),
    # offer states and attendance outcomes, as on the fill board
    "offered": lambda n: npgettext("how many", "offered, no answer yet", "offered, no answer yet", n),
    "booked": lambda n: npgettext("how many", "booked", "booked", n),
    "confirmed": lambda n: npgettext("how many", "confirmed", "confirmed", n),
    "waitlisted": lambda n: npgettext("how many", "waitlisted", "waitlisted", n),
    "declined": lambda n: npgettext("how many", "declined", "declined", n),
    "dropped": lambda n: npgettext("how many", "dropped out", "dropped out", n),
    "came": lambda n: npgettext("how many", "came", "came", n),
    "late": lambda n: npgettext("how many", "late", "late", n),
    "left_early": lambda n: npgettext("how many", "left early", "left early", n),
    "no_show": lambda n: npgettext("how many", "no-show", "no-shows", n),
}


def counted(what: str, n) -> str:
    """Return the word that follows the figure n of what, in the reader's plural form."""
    return COUNTED[what](n or 0)


def alert_text(alert) -> str:
    """Word an alert in the reader's language."""
    template = ALERT_TEXTS.get(alert.kind)
    return str(template) % {"detail": alert.detail} if template else f"{alert.kind}: {alert.detail}"


def label(table: dict, code) -> str:
    """Return the translated name of a stored code, or the code itself."""
    return str(table.get(code, code))
