"""The audit log in words: each audited table's fields by their names, values as people read them.

An entry stores column names and JSON values (times as ISO text, Decimals as text); the history
page shows the field's label, stored codes by their names, yes/no, money per locale and times in
the record's region (else the viewer's).
"""
from datetime import date, datetime
from decimal import Decimal

from babel import dates
from flask_babel import get_locale
from sqlalchemy import Boolean, Date, DateTime

from core import i18n
from core.i18n import lazy_gettext as _l
from core.templating import local_time, money

RECORD_LABELS = {
    "user": _l("user"),
    "api_token": _l("API token"),
    "region": _l("region"),
    "franchise": _l("franchise"),
    "client": _l("client"),
    "site": _l("site"),
    "order": _l("order"),
    "rate_card": _l("rate card"),
    "attendance": _l("attendance mark"),
    "skill": _l("skill"),
    "worker": _l("worker"),
    "worker_blackout": _l("day off"),
    "interview": _l("interview"),
    "status_change": _l("status change"),
    "rating_event": _l("rating event"),
    "offer": _l("offer"),
    "lead": _l("lead"),
    "royalty_payment": _l("royalty payment"),
}

# Columns that mean the same in every table
COMMON_FIELDS = {
    "id": _l("Number"),
    "created_at": _l("Created"),
    "updated_at": _l("Changed"),
    "deleted_at": _l("Deleted"),
    "deleted_by_id": _l("Deleted by"),
    "franchise_id": _l("Franchise"),
    "region_id": _l("Region"),
    "worker_id": _l("Worker"),
    "order_id": _l("Order"),
    "client_id": _l("Client"),
    "site_id": _l("Site"),
    "user_id": _l("User"),
    "name": _l("Name"),
    "phone": _l("Phone"),
    "email": _l("Email"),
    "notes": _l("Notes"),
    "note": _l("Note"),
    "status": _l("Status"),
    "code": _l("Code"),
    "address": _l("Address"),
    "lat": _l("Latitude"),
    "lon": _l("Longitude"),
    "conditions": _l("Conditions"),
    "work_type": _l("Work type"),
    "pay_rate": _l("Pay rate"),
    "bill_rate": _l("Bill rate"),
    "starts_at": _l("Starts"),
    "ends_at": _l("Ends"),
    "active": _l("Active"),
    "skill_mask": _l("Skills"),
    "reliability": _l("Reliability"),
    "quality": _l("Quality"),
    "outcome": _l("Outcome"),
    "recorded_by_id": _l("Recorded by"),
}
FIELD_LABELS = {
    "user": {"password_hash": _l("Password"), "role": _l("Role"), "locale": _l("Language"),
             "last_login_at": _l("Last login")},
    "api_token": {"prefix": _l("Prefix"), "token_hash": _l("Token"), "revoked_at": _l("Revoked"),
                  "expires_at": _l("Expires"), "last_used_at": _l("Last used")},
    "region": {"timezone": _l("Time zone"), "currency": _l("Currency"), "phone_region": _l("Phone country"),
               "center_lat": _l("Centre latitude"), "center_lon": _l("Centre longitude"),
               "radius_km": _l("Radius, km")},
    "franchise": {"tier": _l("Package"), "royalty_rate": _l("Royalty rate"), "sms_sender": _l("SMS sender"),
                  "duty_phone": _l("Duty phone for leads"),
                  "monthly_fee": _l("Fixed monthly fee"), "legal_name": _l("Legal name"),
                  "contract_start": _l("Contract from"), "contract_end": _l("Contract until")},
    "client": {"inn": _l("INN"), "manager_id": _l("Manager")},
    "site": {},
    "order": {"code_live": _l("Code in use"), "workers_needed": _l("Workers needed"), "urgent": _l("Urgent"),
              "overbooking_factor": _l("Overbooking"), "target_probability": _l("Target probability"),
              "max_factor": _l("Most overbooking"), "booking_target": _l("Workers to book"),
              "foreman_id": _l("Foreman"), "cancel_reason": _l("Why cancelled"), "created_by_id": _l("Created by"),
              "tally_hours": _l("Hours worked"), "tally_came": _l("Workers who came"), "tally_marks": _l("Marks"),
              "tally_no_shows": _l("No-shows")},
    "rate_card": {"min_headcount": _l("From headcount"), "valid_from": _l("Valid from"), "valid_to": _l("Valid until")},
    "attendance": {"minutes_late": _l("Minutes late"), "hours": _l("Hours"), "surplus": _l("Surplus"),
                   "lent_from_region_id": _l("Lent by region")},
    "skill": {"name_en": _l("Name in English"), "name_ru": _l("Name in Russian"), "bit": _l("Bit")},
    "worker": {"first_name": _l("First name"), "last_name": _l("Last name"), "status_reason": _l("Reason"),
               "language": _l("SMS language"), "max_travel_km": _l("Travels at most, km"),
               "avail_mon": _l("Hours on Monday"), "avail_tue": _l("Hours on Tuesday"),
               "avail_wed": _l("Hours on Wednesday"), "avail_thu": _l("Hours on Thursday"),
               "avail_fri": _l("Hours on Friday"), "avail_sat": _l("Hours on Saturday"),
               "avail_sun": _l("Hours on Sunday"), "rating": _l("Rating"), "rating_penalty": _l("Rating penalty"),
               "shifts_worked": _l("Shifts worked"), "opted_out": _l("Opted out of SMS"),
               "opted_out_at": _l("Opted out"), "last_offer_at": _l("Last offer"), "photo_path": _l("Photo"),
               "anonymized_at": _l("Personal data erased")},
    "worker_blackout": {"day": _l("Day")},
    "interview": {"recruiter_id": _l("Recruiter"), "held_at": _l("Held")},
    "status_change": {"from_status": _l("From status"), "to_status": _l("To status"), "reason": _l("Reason"),
                      "by_id": _l("Changed by"), "at": _l("When")},
    "rating_event": {"kind": _l("What happened"), "occurred_at": _l("When"), "minutes": _l("Minutes late"),
                     "notice_hours": _l("Hours of notice"), "recorded_at": _l("Recorded"),
                     "rating_before": _l("Rating before"), "rating_after": _l("Rating after"),
                     "reliability_before": _l("Reliability before"), "reliability_after": _l("Reliability after"),
                     "opening_shifts": _l("Shifts before Artel"), "opening_no_shows": _l("No-shows before Artel"),
                     "opening_rating": _l("Rating before Artel")},
    "lead": {"caller_name": _l("Caller"), "company": _l("Company"), "headcount": _l("Workers needed"),
             "hours": _l("Hours"), "source": _l("Source"), "campaign": _l("Campaign"), "routed_at": _l("Routed"),
             "sla_due_at": _l("Accept by"),
             "taken_by_id": _l("Taken by")},
    "offer": {"state": _l("State"), "offered_at": _l("Offered"), "answered_at": _l("Answered"),
              "wave": _l("Wave"), "booked_at": _l("Booked"), "reminder_stage": _l("Reminders sent"),
              "confirm_by": _l("Confirm by"), "confirmed_at": _l("Confirmed"),
              "lent_from_region_id": _l("Lent by region")},
    "royalty_payment": {"statement_id": _l("Statement"), "amount": _l("Amount"), "paid_on": _l("Paid on"),
                        "reference": _l("Reference"), "recorded_at": _l("Recorded")},
}

# Columns that hold a code, by (table, column); the code is shown by its name. A domain core does
# not know adds its own (leads/routes.py: the lead's status and source).
CODED = {
    ("user", "role"): i18n.ROLE_LABELS,
    ("user", "locale"): i18n.LANGUAGE_LABELS,
    ("franchise", "tier"): i18n.TIER_LABELS,
    ("franchise", "status"): i18n.FRANCHISE_STATUS_LABELS,
    ("site", "conditions"): i18n.CONDITION_LABELS,
    ("rate_card", "conditions"): i18n.CONDITION_LABELS,
    ("order", "status"): i18n.ORDER_STATUS_LABELS,
    ("attendance", "outcome"): i18n.EVENT_LABELS,
    ("worker", "status"): i18n.STATUS_LABELS,
    ("worker", "language"): i18n.LANGUAGE_LABELS,
    ("interview", "outcome"): i18n.INTERVIEW_LABELS,
    ("status_change", "from_status"): i18n.STATUS_LABELS,
    ("status_change", "to_status"): i18n.STATUS_LABELS,
    ("rating_event", "kind"): i18n.EVENT_LABELS,
    ("offer", "state"): i18n.OFFER_STATE_LABELS,
}
MONEY = {"pay_rate", "bill_rate"}


def record_label(table: str) -> str:
    """Name a kind of record for people."""
    return str(RECORD_LABELS.get(table, table))


def field_label(table: str, column: str) -> str:
    """Name one audited column of a table for people."""
    return str(FIELD_LABELS.get(table, {}).get(column) or COMMON_FIELDS.get(column, column))


def record_timezone(record) -> str | None:
    """Return the zone the record lives in (its region's), or None for the viewer's."""
    if hasattr(record, "timezone"):  # a region
        return record.timezone
    region = getattr(record, "region", None)
    return getattr(region, "timezone", None)


def describe(entry, record) -> list[tuple[str, str, str]]:
    """Return (field, old, new) of an audit entry, each in words."""
    return [(field_label(entry.table_name, column), _value(entry.table_name, column, pair[0], record),
             _value(entry.table_name, column, pair[1], record))
            for column, pair in entry.changes.items()]


def _value(table: str, column: str, value, record) -> str:
    if value is None:
        return "—"
    if (table, column) in CODED:
        return i18n.label(CODED[(table, column)], value)
    kind = _column_type(record, column)
    if isinstance(kind, Boolean):
        return i18n.gettext("yes") if value else i18n.gettext("no")
    if isinstance(kind, DateTime) and isinstance(value, str):
        return local_time(datetime.fromisoformat(value), record_timezone(record), "short")
    if isinstance(kind, Date) and isinstance(value, str):
        return dates.format_date(date.fromisoformat(value), "medium", locale=str(get_locale() or "en"))
    if column in MONEY:
        region = getattr(record, "region", None)
        return money(Decimal(value), getattr(region, "currency", None) or "RUB")
    return str(value)


def _column_type(record, column: str):
    table = getattr(type(record), "__table__", None)
    if table is None or column not in table.columns:
        return None
    return table.columns[column].type
