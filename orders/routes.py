"""Order pages; the foreman's phone page; the order API."""
from flask import abort, render_template
from flask_login import current_user
from flask_smorest import abort as api_abort

from core.auth import api_auth_required, role_required
from orders import api_bp, bp, service
from orders.schemas import OrderDetailOut, OrderIn, OrderOut, OrderQuery


@bp.route("/foreman")
@role_required("foreman")
def foreman_home():
    return render_template("orders/foreman_home.html", sites=service.sites_for_foreman())


def _detail(order):
    offers = [{"worker_id": w.id, "worker_name": w.full_name, "phone": w.phone, "state": o.state, "wave": o.wave,
               "offered_at": o.offered_at, "answered_at": o.answered_at} for o, w in service.offers_of(order)]
    values = {column.key: getattr(order, column.key) for column in order.__table__.columns}
    return {**values, "fill": service.fill_status(order), "offers": offers}


@api_bp.route("/", methods=["POST"])
@api_bp.arguments(OrderIn)
@api_bp.response(201, OrderDetailOut)
@api_auth_required
def api_create(data):
    """Create an order and dispatch it (unless `dispatch` is false)."""
    try:
        order = service.create_order(data, current_user)
    except service.OrderError as exc:
        api_abort(422, message=str(exc), errors={"json": {exc.field or "_schema": [str(exc)]}})
    return _detail(order)


@api_bp.route("/")
@api_bp.arguments(OrderQuery, location="query")
@api_bp.response(200, OrderOut(many=True))
@api_auth_required
def api_list(args):
    """Orders the caller can see, latest shift first."""
    return service.list_orders(args["status"])


@api_bp.route("/<int:order_id>")
@api_bp.response(200, OrderDetailOut)
@api_auth_required
def api_get(order_id):
    """One order with its fill status and every offer."""
    return _detail(service.get_order(order_id) or abort(404))
