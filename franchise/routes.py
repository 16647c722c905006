"""Head-office dashboard, franchise pages, the partner portal, and their API."""
from flask import abort, render_template
from flask_login import current_user

from core.auth import api_requires, requires
from core.i18n import gettext as _
from franchise import api_bp, bp, service
from franchise.schemas import FranchiseOut, RegionOut


@bp.route("/admin")
@requires("network.dashboard")
def admin_home():
    return render_template(
        "franchise/admin_home.html",
        summary=service.network_summary(),
        regions=service.workers_by_region(),
        franchises=service.list_franchises(),
    )


@bp.route("/portal")
@requires("franchise.portal")
def portal():
    franchise = current_user.franchise
    if franchise is None:
        abort(404, _("Your account is not attached to a franchise."))
    return render_template(
        "franchise/portal.html",
        franchise=franchise,
        figures=service.franchise_figures(franchise),
        staff=service.staff_of(franchise),
    )


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
