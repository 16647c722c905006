"""Royalty pages: the months closed and what each franchise owes; one statement to print or download."""
import io

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from core import spreadsheet
from core.auth import requires
from core.i18n import gettext as _
from core.timeutil import utcnow
from extensions import db
from royalty import arithmetic, bp, service
from royalty.forms import CloseForm, PaymentForm


def _last_month() -> str:
    return arithmetic.previous_period(utcnow().strftime("%Y-%m"))


@bp.route("/")
@requires("royalty.view")
def index(close_form=None, status=200):
    period = request.args.get("period") or None
    if period is not None and not arithmetic.PERIOD.fullmatch(period):
        abort(400, _("Write the month as YYYY-MM, for example 2026-11."))
    shown = service.statements(period)
    today = utcnow().date()
    return render_template("royalty/index.html", statements=shown, paid=service.paid(s.id for s in shown),
                           period=period, periods=service.periods(), balances=service.balances(today),
                           overdue=service.overdue(today), today=today,
                           close_form=close_form or CloseForm(data={"period": _last_month()})), status


@bp.post("/close")
@requires("royalty.manage")
def close():
    form = CloseForm()
    if not form.validate_on_submit():
        return index(close_form=form, status=400)
    try:
        result = service.close_month(form.period.data, current_user)
    except service.RoyaltyError as exc:
        db.session.rollback()
        form.period.errors.append(str(exc))
        return index(close_form=form, status=400)
    flash(_("%(period)s closed: %(issued)s statements issued, %(already)s issued before.", period=result.period,
            issued=result.issued, already=result.already), "info")
    return redirect(url_for("royalty.index", period=result.period))


def _statement_or_404(statement_id):
    return service.get_statement(statement_id) or abort(404)


@bp.route("/statements/<int:statement_id>")
@requires("royalty.view")
def statement(statement_id, payment_form=None, status=200):
    found = _statement_or_404(statement_id)
    return render_template("royalty/statement.html", statement=found, payments=service.payments_of(found),
                           outstanding=service.outstanding(found), today=utcnow().date(),
                           payment_form=payment_form or PaymentForm(data={"paid_on": utcnow().date()})), status


@bp.route("/statements/<int:statement_id>.csv")
@requires("royalty.view")
def statement_csv(statement_id):
    found = _statement_or_404(statement_id)
    out = io.StringIO()
    service.write_csv(found, spreadsheet.writer(out))
    name = f"royalty-{found.period}-{found.franchise_id}.csv"
    return Response(out.getvalue(), mimetype="text/csv", headers={"Content-Disposition": f"attachment; filename={name}"})


@bp.post("/statements/<int:statement_id>/payments")
@requires("royalty.manage")
def add_payment(statement_id):
    found = _statement_or_404(statement_id)
    form = PaymentForm()
    if not form.validate_on_submit():
        return statement(found.id, payment_form=form, status=400)
    try:
        service.record_payment(found.id, form.amount.data, form.paid_on.data, form.reference.data, current_user)
    except service.RoyaltyError as exc:
        db.session.rollback()
        form.amount.errors.append(str(exc))
        return statement(found.id, payment_form=form, status=400)
    flash(_("Payment recorded."), "info")
    return redirect(url_for("royalty.statement", statement_id=found.id))
