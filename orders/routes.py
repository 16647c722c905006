"""Order pages; the foreman's phone page."""
from flask import render_template

from core.auth import role_required
from orders import bp, service


@bp.route("/foreman")
@role_required("foreman")
def foreman_home():
    return render_template("orders/foreman_home.html", sites=service.sites_for_foreman())
