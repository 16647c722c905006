"""Order pages; the foreman's phone page; the order API."""
from decimal import Decimal

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user
from flask_smorest import abort as api_abort
from flask_wtf import FlaskForm

from clients.models import Site
from core.auth import api_requires, requires
from core.i18n import gettext as _
from core.templating import local_time, viewer_timezone
from core.timeutil import to_zone, utcnow
from dispatch import service as dispatch
from extensions import db
from orders import api_bp, attendance, bp, rates, service
from orders.forms import BookForm, CancelForm, ChangeForm, EndCardForm, OrderForm, RateCardForm
from orders.schemas import OrderDetailOut, OrderIn, OrderOut, OrderQuery
from franchise.service import list_franchises, list_regions
from workers import photos, skills
from workers.availability import local_shift
from workers.service import find_by_phone, get_worker


@bp.route("/foreman")
@requires("orders.sites")
def foreman_home():
    return render_template("orders/foreman_home.html", sites=service.sites_with_clients(),
                           shifts=attendance.shifts_to_mark(current_user))


def _entries_from(form, workers) -> list[dict]:
    """Read the attendance sheet's rows (outcome-<id>, minutes-<id>, hours-<id>, quality-<id>).

    "Everyone came" (everyone_came) marks came on every row left without an outcome.
    """
    entries = []
    for worker in workers:
        outcome = form.get(f"outcome-{worker.id}") or ("came" if form.get("everyone_came") else None)
        if not outcome:
            continue
        try:
            entries.append({"worker_id": worker.id, "outcome": outcome,
                            "minutes_late": _int(form.get(f"minutes-{worker.id}")),
                            "hours": Decimal(form[f"hours-{worker.id}"]) if form.get(f"hours-{worker.id}") else None,
                            "quality": _int(form.get(f"quality-{worker.id}"))})
        except (ValueError, ArithmeticError) as exc:
            raise attendance.AttendanceError(_("Numbers only in minutes, hours and quality.")) from exc
    return entries


def _int(value):
    return int(value) if value not in (None, "") else None


@bp.route("/<int:order_id>/attendance", methods=["GET", "POST"])
@requires("orders.attendance")
def attendance_sheet(order_id):
    order = service.get_order(order_id) or abort(404)
    if not attendance.may_mark(order, current_user):
        abort(403, _("You are not the foreman of this shift."))
    rows, error = attendance.sheet(order), None
    if request.method == "POST":
        closing = bool(request.form.get("close"))
        try:
            attendance.mark(order, _entries_from(request.form, [w for w, _m in rows]), current_user, closing)
            if closing:
                attendance.close_shift(order, current_user)
                flash(_("Shift closed: ratings are updated."), "info")
            else:
                flash(_("Saved."), "info")
            return redirect(url_for("orders.attendance_sheet", order_id=order.id))
        except attendance.AttendanceError as exc:
            error = str(exc)
    return _sheet_page(order, error, 400 if error else 200)


def _sheet_page(order, error, status):
    return render_template("orders/attendance.html", order=order, rows=attendance.sheet(order), error=error,
                           default_hours=attendance.default_hours(order), opens_at=attendance.opens_at(order),
                           marks_open=attendance.marks_open(order), started=attendance.has_started(order),
                           walk_in_form=BookForm()), status


@bp.route("/<int:order_id>/attendance/<int:worker_id>/photo")
@requires("orders.attendance")
def sheet_photo(order_id, worker_id):
    """A worker's photo as the foreman of his shift sees it on the sheet (only workers on that sheet)."""
    order = service.get_order(order_id) or abort(404)
    if not attendance.may_mark(order, current_user):
        abort(403, _("You are not the foreman of this shift."))
    worker = next((w for w, _m in attendance.sheet(order) if w.id == worker_id), None) or abort(404)
    response = send_file(photos.photo_file(worker) or abort(404), mimetype="image/jpeg", max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.post("/<int:order_id>/attendance/walk-in")
@requires("orders.attendance")
def add_walk_in(order_id):
    """Add a worker who came without a booking, found by his phone, to the sheet."""
    order = service.get_order(order_id) or abort(404)
    if not attendance.may_mark(order, current_user):
        abort(403, _("You are not the foreman of this shift."))
    form = BookForm()
    if not form.validate_on_submit():
        return _sheet_page(order, _("Type the phone of the worker who came."), 400)
    try:
        attendance.add_walk_in(order, find_by_phone(form.phone.data), current_user)
    except attendance.AttendanceError as exc:
        db.session.rollback()
        return _sheet_page(order, str(exc), 400)
    flash(_("Added to the sheet as came."), "info")
    return redirect(url_for("orders.attendance_sheet", order_id=order.id))


def _detail(order):
    offers = [{"worker_id": w.id, "worker_name": w.full_name, "phone": w.phone, "state": o.state, "wave": o.wave,
               "offered_at": o.offered_at, "answered_at": o.answered_at} for o, w in dispatch.offers_of(order)]
    values = {column.key: getattr(order, column.key) for column in order.__table__.columns}
    return {**values, "fill": dispatch.fill_status(order), "offers": offers}


@api_bp.route("/", methods=["POST"])
@api_requires("orders.manage")
@api_bp.arguments(OrderIn)
@api_bp.response(201, OrderDetailOut)
def api_create(data):
    """Create an order and dispatch it (unless `dispatch` is false)."""
    try:
        order = service.create_order(data, current_user)
    except service.OrderError as exc:
        api_abort(422, message=str(exc), errors={"json": {exc.field or "_schema": [str(exc)]}})
    return _detail(order)


@api_bp.route("/")
@api_requires("orders.view")
@api_bp.arguments(OrderQuery, location="query")
@api_bp.response(200, OrderOut(many=True))
def api_list(args):
    """Orders the caller can see, latest shift first."""
    return service.list_orders(args["status"])


@api_bp.route("/<int:order_id>")
@api_requires("orders.view")
@api_bp.response(200, OrderDetailOut)
def api_get(order_id):
    """One order with its fill status and every offer."""
    return _detail(service.get_order(order_id) or abort(404))


@bp.route("/")
@requires("orders.view")
def index():
    status = request.args.get("status") or None
    narrowed = {}
    for name in ("franchise_id", "region_id"):
        raw = request.args.get(name, "")
        if raw and not raw.isdigit():
            abort(400, _("Choose the franchise and the region from the lists."))
        narrowed[name] = int(raw) if raw else None
    choices = {}
    if current_user.is_head_office:
        franchises = list_franchises()
        choices = {"franchises": franchises, "regions": list_regions(), "franchise_names": {f.id: f.name for f in franchises}}
    orders = service.list_orders(status, **narrowed)
    return render_template("orders/index.html", orders=orders, status=status, came=attendance.outcome_counts(orders),
                           **narrowed, **choices)


@bp.route("/new", methods=["GET", "POST"])
@requires("orders.manage")
def create():
    form = OrderForm()
    form.site_id.choices = [(s.id, f"{c.name} — {s.name}") for s, c in service.sites_with_clients()]
    form.skills.choices = skills.choices()
    if form.validate_on_submit() and (site := db.session.get(Site, form.site_id.data)) is not None \
            and (shift := _shift(form, site.client.franchise.region.timezone)) is not None:
        data = {"client_id": site.client_id, "site_id": site.id, "work_type": form.work_type.data,
                "workers_needed": form.workers_needed.data, "starts_at": shift[0], "ends_at": shift[1],
                "skills": form.skills.data, "overbooking": form.overbooking.data, "urgent": form.urgent.data,
                "notes": form.notes.data, "pay_rate": form.pay_rate.data, "bill_rate": form.bill_rate.data,
                "confirm_loss": form.confirm_loss.data}
        try:
            order = service.create_order(data, current_user)
        except service.OrderError as exc:
            field = getattr(form, exc.field, None) if exc.field else None
            (field.errors if field is not None else form.site_id.errors).append(str(exc))
        else:
            _say_when_offers_go(order)
            return redirect(url_for("orders.detail", order_id=order.id))
    return render_template("orders/form.html", form=form), (400 if request.method == "POST" else 200)


def _shift(form, tz_name: str):
    """Return the form's shift as UTC (start, end), or None with the error on the form.

    A shift that ends at or before its start ends the next day only when "overnight" says so.
    """
    ends_before = form.end.data <= form.start.data
    if ends_before and not form.overnight.data:
        form.end.errors.append(_("The shift ends before it starts: tick \"overnight\" if it ends the next day."))
        return None
    if form.overnight.data and not ends_before:
        form.end.errors.append(_("An overnight shift ends the next day, earlier in the clock than it starts."))
        return None
    return local_shift(form.day.data, form.start.data, form.end.data, tz_name)


def _say_when_offers_go(order) -> None:
    wave = service.first_wave(order)
    if wave["held_until"] is None:
        flash(_("Order %(code)s created: offers are going out.", code=order.code), "info")
        return
    at = local_time(wave["held_until"], order.region.timezone, "short")
    flash(_("Order %(code)s created: quiet hours hold its first offers until %(time)s.", code=order.code, time=at),
          "error" if wave["short"] else "info")


def _detail_page(order, status=200, **forms):
    local_start = to_zone(order.starts_at, order.region.timezone)
    local_end = to_zone(order.ends_at, order.region.timezone)
    forms.setdefault("cancel_form", CancelForm())
    forms.setdefault("change_form", ChangeForm(data={"workers_needed": order.workers_needed, "day": local_start.date(),
                                                      "start": local_start.time(), "end": local_end.time(),
                                                      "overnight": local_end.date() > local_start.date()}))
    forms.setdefault("book_form", BookForm())
    return render_template("orders/detail.html", order=order, fill=dispatch.fill_status(order),
                           offers=dispatch.board_rows(order), outcomes=attendance.outcomes(order),
                           alerts=dispatch.alerts_of(order), first_wave=service.first_wave(order),
                           money=attendance.money(order), **forms), status


@bp.route("/<int:order_id>")
@requires("orders.view")
def detail(order_id):
    return _detail_page(service.get_order(order_id) or abort(404))


@bp.route("/<int:order_id>/board")
@requires("orders.view")
def board(order_id):
    order = service.get_order(order_id) or abort(404)
    return render_template("orders/_board.html", order=order, fill=dispatch.fill_status(order),
                           offers=dispatch.board_rows(order), outcomes=attendance.outcomes(order),
                           first_wave=service.first_wave(order))


@bp.post("/<int:order_id>/dispatch")
@requires("orders.manage")
def confirm(order_id):
    order = service.get_order(order_id) or abort(404)
    if not FlaskForm().validate_on_submit():
        abort(400, _("The form has expired: reload the page."))
    try:
        service.confirm_order(order, current_user)
    except service.OrderError as exc:
        flash(str(exc), "error")
        return _detail_page(order, 409)
    _say_when_offers_go(order)
    return redirect(url_for("orders.detail", order_id=order.id))


@bp.post("/<int:order_id>/send-now")
@requires("orders.manage")
def send_now(order_id):
    order = service.get_order(order_id) or abort(404)
    if not FlaskForm().validate_on_submit():
        abort(400, _("The form has expired: reload the page."))
    try:
        service.send_now(order, current_user)
    except service.OrderError as exc:
        flash(str(exc), "error")
        return _detail_page(order, 409)
    flash(_("Order %(code)s is urgent: its offers go now.", code=order.code), "info")
    return redirect(url_for("orders.detail", order_id=order.id))


@bp.post("/<int:order_id>/cancel")
@requires("orders.manage")
def cancel(order_id):
    order = service.get_order(order_id) or abort(404)
    form = CancelForm()
    if form.validate_on_submit():
        try:
            service.cancel_order(order, form.reason.data, current_user)
        except service.OrderError as exc:
            form.reason.errors.append(str(exc))
        else:
            flash(_("Order %(code)s is cancelled; the booked workers are told.", code=order.code), "info")
            return redirect(url_for("orders.detail", order_id=order.id))
    return _detail_page(order, 400, cancel_form=form)


@bp.post("/<int:order_id>/change")
@requires("orders.manage")
def change(order_id):
    order = service.get_order(order_id) or abort(404)
    form = ChangeForm()
    if form.validate_on_submit() and (shift := _shift(form, order.region.timezone)) is not None:
        try:
            service.change_order(order, form.workers_needed.data, *shift, current_user)
        except service.OrderError as exc:
            (getattr(form, exc.field, None) or form.workers_needed).errors.append(str(exc))
        else:
            flash(_("Order %(code)s changed and re-planned.", code=order.code), "info")
            return redirect(url_for("orders.detail", order_id=order.id))
    return _detail_page(order, 400, change_form=form)


@bp.post("/<int:order_id>/book")
@requires("orders.manage")
def book_by_phone(order_id):
    order = service.get_order(order_id) or abort(404)
    form = BookForm()
    if form.validate_on_submit():
        worker = find_by_phone(form.phone.data)
        if worker is None:
            form.phone.errors.append(_("No worker with that phone in your pool."))
        else:
            return _by_hand(order, worker, dispatch.book)
    return _detail_page(order, 400, book_form=form)


@bp.post("/<int:order_id>/workers/<int:worker_id>/book")
@requires("orders.manage")
def book_worker(order_id, worker_id):
    return _by_hand(*_order_and_worker(order_id, worker_id), dispatch.book)


@bp.post("/<int:order_id>/workers/<int:worker_id>/unbook")
@requires("orders.manage")
def unbook_worker(order_id, worker_id):
    return _by_hand(*_order_and_worker(order_id, worker_id), dispatch.unbook)


@bp.post("/<int:order_id>/workers/<int:worker_id>/resend")
@requires("orders.manage")
def resend_offer(order_id, worker_id):
    return _by_hand(*_order_and_worker(order_id, worker_id), dispatch.resend)


def _order_and_worker(order_id, worker_id):
    order = service.get_order(order_id) or abort(404)
    worker = get_worker(worker_id) or abort(404)
    if not FlaskForm().validate_on_submit():
        abort(400, _("The form has expired: reload the page."))
    return order, worker


def _by_hand(order, worker, act):
    try:
        act(order, worker)
    except dispatch.ConsoleError as exc:
        flash(str(exc), "error")
        return _detail_page(order, 409)
    name = worker.full_name
    flash({"book": _("%(name)s is booked and told by SMS.", name=name),
           "unbook": _("%(name)s is unbooked and told by SMS.", name=name),
           "resend": _("The offer is sent to %(name)s again.", name=name)}[act.__name__], "info")
    return redirect(url_for("orders.detail", order_id=order.id))


def local_today():
    return to_zone(utcnow(), viewer_timezone()).date()


def _card_form(card=None, formdata=None, region_id=None):
    data = {key: getattr(card, key) for key in rates.FIELDS} if card is not None else {
        "valid_from": local_today(), "region_id": region_id}
    if card is not None:
        data["franchise_id"] = card.franchise_id or 0
    form = RateCardForm(formdata=formdata, data=data)
    own = current_user.franchise
    form.region_id.choices = [(r.id, r.name) for r in list_regions()]
    form.franchise_id.choices = ([(own.id, own.name)] if own else
                                 [(0, _("Head office: the region's default"))] + [(f.id, f.name) for f in list_franchises()
                                                                                  if f.region_id is not None])
    return form


def _save_card(card):
    form = _card_form(card, formdata=request.form)
    if form.validate_on_submit():
        data = {key: getattr(form, key).data for key in rates.FIELDS}
        data["confirm_loss"] = form.confirm_loss.data
        own = current_user.franchise
        data["franchise_id"] = own.id if own else (form.franchise_id.data or None)
        region = next((r for r in list_regions() if r.id == data["region_id"]), None)
        try:
            saved = rates.save_card(card, data, region.currency if region else "RUB")
        except rates.RateError as exc:
            db.session.rollback()
            getattr(form, exc.field or "pay_rate").errors.append(str(exc))
        else:
            flash(_("Rate card saved."), "info")
            return redirect(url_for("orders.rate_cards", region_id=saved.region_id))
    return render_template("orders/rate_form.html", form=form, card=card), 400


@bp.route("/rates/")
@requires("rates.view")
def rate_cards():
    raw = request.args.get("region_id", "")
    if raw and not raw.isdigit():
        abort(400, _("Choose the region from the list."))
    region_id = int(raw) if raw else None
    return render_template("orders/rates.html", cards=rates.list_cards(region_id), regions=list_regions(),
                           region_id=region_id, end_form=EndCardForm(data={"last_day": local_today()}))


@bp.route("/rates/new", methods=["GET", "POST"])
@requires("rates.manage")
def new_rate_card():
    if request.method == "POST":
        return _save_card(None)
    return render_template("orders/rate_form.html", form=_card_form(region_id=request.args.get("region_id", type=int)),
                           card=None)


def _own_card_or_404(card_id):
    """A card the caller may change: his franchise's own (tenancy), or any for head office."""
    card = rates.get_card(card_id) or abort(404)
    if current_user.franchise is not None and card.franchise_id != current_user.franchise_id:
        abort(403, _("Only head office changes the region's default cards."))
    return card


@bp.route("/rates/<int:rate_card_id>/edit", methods=["GET", "POST"])
@requires("rates.manage")
def edit_rate_card(rate_card_id):
    card = _own_card_or_404(rate_card_id)
    if request.method == "POST":
        return _save_card(card)
    return render_template("orders/rate_form.html", form=_card_form(card), card=card)


@bp.post("/rates/<int:rate_card_id>/end")
@requires("rates.manage")
def end_rate_card(rate_card_id):
    card = _own_card_or_404(rate_card_id)
    form = EndCardForm()
    if not form.validate_on_submit():
        abort(400, _("Give the last day the card applies."))
    try:
        rates.end_card(card, form.last_day.data)
    except rates.RateError as exc:
        db.session.rollback()
        abort(400, str(exc))
    flash(_("Rate card ended."), "info")
    return redirect(url_for("orders.rate_cards", region_id=card.region_id))
