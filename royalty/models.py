"""Royalty statements (a month's dues of one franchise), their lines, and the payments made against them.

A statement and its lines are written once, at the month's close, and never changed: a shift
re-marked after the close is settled by an adjustment line on a later statement.
"""
from datetime import date, datetime
from decimal import Decimal
from typing import Optional

from sqlalchemy import Date, DateTime, ForeignKey, Numeric, String, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.models import FranchiseOwnedMixin
from core.timeutil import utcnow
from extensions import db

LINE_KINDS = ("order", "adjustment", "fee")


class StatementIssued(Exception):
    """An issued statement or line was about to be changed or removed."""


class Statement(FranchiseOwnedMixin, db.Model):
    __table_args__ = (UniqueConstraint("franchise_id", "period", name="uq_statement_franchise_period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    period: Mapped[str] = mapped_column(String(7))  # YYYY-MM, in the franchise region's time zone
    currency: Mapped[str] = mapped_column(String(3), default="RUB")
    turnover: Mapped[Decimal] = mapped_column(Numeric(14, 2))  # billed amount of the month's shifts
    royalty_rate: Mapped[Decimal] = mapped_column(Numeric(5, 4))
    royalty: Mapped[Decimal] = mapped_column(Numeric(14, 2))  # sum of the order lines' royalties
    fixed_fee: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    adjustments: Mapped[Decimal] = mapped_column(Numeric(14, 2))  # sum of the adjustment lines
    total: Mapped[Decimal] = mapped_column(Numeric(14, 2))  # what is due: the sum of every line's amount
    due_on: Mapped[date] = mapped_column(Date)
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    issued_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user.id"))

    lines = relationship("StatementLine", order_by="StatementLine.id", viewonly=True)


class StatementLine(FranchiseOwnedMixin, db.Model):
    """One order's billed amount and its royalty, a late correction to an earlier month, or the fixed fee."""

    id: Mapped[int] = mapped_column(primary_key=True)
    statement_id: Mapped[int] = mapped_column(ForeignKey("statement.id"), index=True)
    kind: Mapped[str] = mapped_column(String(12))
    order_id: Mapped[Optional[int]] = mapped_column(ForeignKey("order.id"), index=True)
    period: Mapped[str] = mapped_column(String(7))  # the month of the shift (an adjustment's is earlier)
    label: Mapped[str] = mapped_column(String(200))
    hours: Mapped[Optional[Decimal]] = mapped_column(Numeric(10, 2))
    billed: Mapped[Decimal] = mapped_column(Numeric(14, 2))  # turnover the line adds (a change, for an adjustment)
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))  # what the line adds to the total due


class RoyaltyPayment(FranchiseOwnedMixin, db.Model):
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    statement_id: Mapped[int] = mapped_column(ForeignKey("statement.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    paid_on: Mapped[date] = mapped_column(Date)
    reference: Mapped[Optional[str]] = mapped_column(String(120))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    recorded_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user.id"))


@event.listens_for(Statement, "before_update")
@event.listens_for(Statement, "before_delete")
@event.listens_for(StatementLine, "before_update")
@event.listens_for(StatementLine, "before_delete")
def _issued_is_final(_mapper, _connection, target) -> None:
    raise StatementIssued(f"{type(target).__name__} {target.id} is issued and cannot change")
