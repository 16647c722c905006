"""Head-office dashboard, franchise pages, the partner portal, users and staff, and their API."""
from decimal import Decimal

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm

from core import service as core_service
from core.auth import api_requires, requires
from core.forms import PasswordForm, StaffForm, UserForm
from core.i18n import ROLE_LABELS, label
from core.i18n import gettext as _
from core.timeutil import utcnow
from extensions import db
from franchise import api_bp, borrowing, bp, dashboard, portal as partner, service
from franchise.forms import FranchiseForm, RegionPairForm, ShiftWorkersForm
from franchise.schemas import FranchiseOut, RegionOut
from royalty import arithmetic
from royalty import service as royalty


@bp.route("/admin")
@requires("network.dashboard")
def admin_home():
    month = request.args.get("month") or dashboard.default_month(utcnow())
    if not arithmetic.PERIOD.fullmatch(month):
        abort(400, _("Write the month as YYYY-MM, for example 2026-11."))
    figures = dashboard.network_dashboard(month)
    regions = service.workers_by_region()
    return render_template(
        "franchise/admin_home.html",
        summary=service.network_summary(regions),
        regions=regions,
        dashboard=figures,
        chart=dashboard.chart_data(figures),
    )


def _own_franchise():
    """The caller's franchise, or 404: the portal is a franchise's (head office has the network page)."""
    franchise = current_user.franchise
    if franchise is None:
        abort(404, _("Your account is not attached to a franchise."))
    return franchise


@bp.route("/portal")
@requires("franchise.portal")
def portal():
    franchise = _own_franchise()
    now = utcnow()
    zone = franchise.region.timezone if franchise.region else None
    trend = partner.fill_trend(zone, now) if zone else []
    return render_template(
        "franchise/portal.html",
        franchise=franchise,
        figures=service.franchise_figures(franchise),
        staff=service.staff_of(franchise),
        month=royalty.month_so_far(franchise, arithmetic.period_of(now, zone)) if zone else None,
        statements=royalty.statements(franchise_id=franchise.id)[:6],
        balance=royalty.balance_of(franchise, now.date()),
        coming=partner.coming_shifts(zone, now) if zone else [],
        trend=trend,
        chart=partner.trend_chart(trend),
    )


@bp.route("/portal/workers")
@requires("franchise.portal")
def shift_workers():
    franchise = _own_franchise()
    form = ShiftWorkersForm(request.args)
    if not form.validate():
        return render_template("franchise/workers.html", franchise=franchise, form=form, rows=[], total=0, page=1,
                               page_size=partner.WORKERS_PAGE_SIZE), 400
    number = form.page.data or 1
    rows, total = partner.shift_workers(form.q.data or "", number, partner.WORKERS_PAGE_SIZE)
    return render_template("franchise/workers.html", franchise=franchise, form=form, rows=rows, total=total,
                           page=number, page_size=partner.WORKERS_PAGE_SIZE)


@bp.route("/franchises")
@requires("franchises.view")
def franchises():
    return render_template("franchise/list.html", franchises=service.list_franchises())


@bp.route("/franchises/<int:franchise_id>")
@requires("franchises.view")
def franchise_detail(franchise_id):
    franchise = service.get_franchise(franchise_id) or abort(404)
    return render_template(
        "franchise/detail.html",
        franchise=franchise,
        figures=service.franchise_figures(franchise),
        staff=service.staff_of(franchise),
    )


@api_bp.route("/regions")
@api_requires("regions.view")
@api_bp.response(200, RegionOut(many=True))
def api_regions():
    """Regions the caller can see."""
    return service.list_regions()


@api_bp.route("/franchises")
@api_requires("franchises.view")
@api_bp.response(200, FranchiseOut(many=True))
def api_franchises():
    """Franchises the caller can see (a partner: its own)."""
    return service.list_franchises()


@api_bp.route("/franchises/<int:franchise_id>")
@api_requires("franchises.view")
@api_bp.response(200, FranchiseOut)
def api_franchise(franchise_id):
    """One franchise."""
    return service.get_franchise(franchise_id) or abort(404)


# Users: head office manages everyone on /users, a partner his own staff on /portal/staff. The
# two pages share their handlers; core.service decides whom each caller reaches.
PAGES = {
    "users": {"page": "franchise.users", "deactivate": "franchise.deactivate_user",
              "reactivate": "franchise.reactivate_user", "password": "franchise.reset_user_password"},
    "staff": {"page": "franchise.staff", "deactivate": "franchise.deactivate_staff",
              "reactivate": "franchise.reactivate_staff", "password": "franchise.reset_staff_password"},
}
_UNSET = object()


def role_label(role):
    return str(label(ROLE_LABELS, role))


def _new_user_form(page, formdata=_UNSET):
    form_class = UserForm if page == "users" else StaffForm
    form = form_class() if formdata is _UNSET else form_class(formdata=formdata)
    form.role.choices = [(r, role_label(r)) for r in core_service.roles_given_by(current_user)]
    if page == "users":
        form.franchise_id.choices = [(None, _("Head office"))] + [
            (f.id, f.name) for f in service.list_franchises() if f.tier != "head_office"]
    return form


def _users_page(page, form=None, shown=None, status=200):
    """Render the users or staff page; shown: (user, password) whose new password is shown once."""
    number = max(request.args.get("page", 1, type=int) or 1, 1)
    users, total = core_service.list_managed_users(current_user, number)
    return render_template("franchise/users.html", page_kind=page, endpoints=PAGES[page], users=users, total=total,
                           page=number, page_size=core_service.USERS_PAGE_SIZE, shown=shown,
                           form=form or _new_user_form(page),
                           may_change=lambda user: core_service.may_change(current_user, user)), status, (
        {"Cache-Control": "no-store"} if shown else {})  # a password on the page: not in any cache


def _add_user(page):
    form = _new_user_form(page)
    if form.validate_on_submit():
        try:
            user, generated = core_service.add_user(
                current_user, form.email.data, form.name.data, form.role.data,
                form.franchise_id.data if page == "users" else None, form.locale.data, form.password.data or None)
        except core_service.UserError as exc:
            form.email.errors.append(str(exc))
        else:
            flash(_("%(email)s can log in now.", email=user.email), "info")
            return _users_page(page, form=_new_user_form(page, formdata=None),
                               shown=(user, generated) if generated else None, status=201)
    return _users_page(page, form=form, status=400)


def _own_franchise_or_404():
    """The staff page is a franchise's: head office manages users on /users."""
    if current_user.franchise_id is None:
        abort(404, _("Your account is not attached to a franchise."))


def _managed_or_404(user_id):
    user = core_service.managed_user(current_user, user_id) or abort(404)
    if not FlaskForm().validate_on_submit():
        abort(400, _("The form has expired: reload the page."))
    return user


def _set_active(page, user_id, active):
    user = _managed_or_404(user_id)
    try:
        core_service.set_user_active(current_user, user, active)
    except core_service.UserError as exc:
        flash(str(exc), "error")
        return _users_page(page, status=409)
    flash(_("%(email)s is active again.", email=user.email) if active
          else _("%(email)s is deactivated and logged out.", email=user.email), "info")
    return redirect(url_for(PAGES[page]["page"]))


def _reset_password(page, user_id):
    user = _managed_or_404(user_id)
    form = PasswordForm()
    if not form.validate():
        for error in form.password.errors + form.confirm.errors:
            flash(_("%(email)s: %(error)s", email=user.email, error=error), "error")
        return _users_page(page, status=400)
    generated = core_service.reset_password(current_user, user, form.password.data or None)
    flash(_("The password of %(email)s is changed.", email=user.email), "info")
    return _users_page(page, shown=(user, generated) if generated else None)


@bp.route("/users", methods=["GET", "POST"])
@requires("users.manage")
def users():
    return _add_user("users") if request.method == "POST" else _users_page("users")


@bp.post("/users/<int:user_id>/deactivate")
@requires("users.manage")
def deactivate_user(user_id):
    return _set_active("users", user_id, False)


@bp.post("/users/<int:user_id>/reactivate")
@requires("users.manage")
def reactivate_user(user_id):
    return _set_active("users", user_id, True)


@bp.post("/users/<int:user_id>/password")
@requires("users.manage")
def reset_user_password(user_id):
    return _reset_password("users", user_id)


@bp.route("/portal/staff", methods=["GET", "POST"])
@requires("staff.manage")
def staff():
    _own_franchise_or_404()
    return _add_user("staff") if request.method == "POST" else _users_page("staff")


@bp.post("/portal/staff/<int:user_id>/deactivate")
@requires("staff.manage")
def deactivate_staff(user_id):
    _own_franchise_or_404()
    return _set_active("staff", user_id, False)


@bp.post("/portal/staff/<int:user_id>/reactivate")
@requires("staff.manage")
def reactivate_staff(user_id):
    _own_franchise_or_404()
    return _set_active("staff", user_id, True)


@bp.post("/portal/staff/<int:user_id>/password")
@requires("staff.manage")
def reset_staff_password(user_id):
    _own_franchise_or_404()
    return _reset_password("staff", user_id)


def _franchise_form(franchise=None, formdata=_UNSET):
    data = {}
    if franchise is not None:
        data = {key: getattr(franchise, key) for key in service.EDITABLE if key != "royalty_rate"}
        data["royalty_percent"] = franchise.royalty_rate * 100
    form = FranchiseForm(data=data) if formdata is _UNSET else FranchiseForm()
    form.region_id.choices = [(0, _("— none (head office) —"))] + [(r.id, r.name) for r in service.list_regions()]
    return form


def _save_franchise(franchise):
    """Validate the form and save; return a redirect, or the form again with a 400 and the reason."""
    form = _franchise_form(franchise, formdata=None)
    if form.validate_on_submit():
        data = {key: getattr(form, key).data for key in service.EDITABLE if key != "royalty_rate"}
        data["region_id"] = data["region_id"] or None
        data["royalty_rate"] = (form.royalty_percent.data / 100).quantize(Decimal("0.0001"))
        try:
            saved = service.save_franchise(franchise, data)
        except service.FranchiseError as exc:
            db.session.rollback()
            form.tier.errors.append(str(exc))
        else:
            flash(_("Franchise saved."), "info")
            return redirect(url_for("franchise.franchise_detail", franchise_id=saved.id))
    return render_template("franchise/form.html", form=form, franchise=franchise), 400


@bp.route("/franchises/new", methods=["GET", "POST"])
@requires("franchises.manage")
def new_franchise():
    if request.method == "POST":
        return _save_franchise(None)
    return render_template("franchise/form.html", form=_franchise_form(), franchise=None)


@bp.route("/franchises/<int:franchise_id>/edit", methods=["GET", "POST"])
@requires("franchises.manage")
def edit_franchise(franchise_id):
    franchise = service.get_franchise(franchise_id) or abort(404)
    if request.method == "POST":
        return _save_franchise(franchise)
    return render_template("franchise/form.html", form=_franchise_form(franchise), franchise=franchise)


def _pair_form(formdata=None) -> RegionPairForm:
    form = RegionPairForm(formdata=formdata)
    choices = [(r.id, r.name) for r in service.list_regions()]
    form.region_id.choices = form.neighbour_id.choices = choices
    return form


@bp.route("/franchises/borrowing", methods=["GET", "POST"])
@requires("franchises.manage")
def borrowing_pairs():
    """The pairs of regions whose franchises may borrow each other's workers; allow one more."""
    form = _pair_form(request.form if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if form.validate():
            try:
                added = borrowing.allow(form.region_id.data, form.neighbour_id.data, by=current_user)
            except borrowing.BorrowingError as exc:
                db.session.rollback()
                form.neighbour_id.errors.append(str(exc))
            else:
                flash(_("The two regions may now borrow each other's workers.") if added
                      else _("These two regions may borrow each other's workers already."), "info")
                return redirect(url_for("franchise.borrowing_pairs"))
        status = 400
    return render_template("franchise/borrowing.html", form=form, links=borrowing.links()), status


@bp.post("/franchises/borrowing/<int:region_id>/<int:neighbour_id>/end")
@requires("franchises.manage")
def end_borrowing(region_id, neighbour_id):
    if not FlaskForm().validate_on_submit():
        abort(400, _("The form has expired: reload the page."))
    try:
        ended = borrowing.end(region_id, neighbour_id)
    except borrowing.BorrowingError as exc:
        abort(404, str(exc))
    if not ended:
        abort(404, _("These two regions do not borrow from each other."))
    flash(_("The two regions no longer borrow each other's workers; shifts already booked stay."), "info")
    return redirect(url_for("franchise.borrowing_pairs"))
