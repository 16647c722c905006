"""The call-centre screen: territories and who serves them."""
from flask import render_template, request

from core.auth import requires
from leads import bp, service
from leads.forms import LocateForm


@bp.route("/")
@requires("leads.route")
def index():
    form = LocateForm(request.args)
    territory, searched = None, bool(request.args)
    if searched and form.validate():
        territory = service.territory_for(float(form.lat.data), float(form.lon.data))
    status = 400 if searched and form.errors else 200
    return render_template(
        "leads/index.html", form=form, searched=searched, territory=territory, directory=service.franchises_by_region()
    ), status
