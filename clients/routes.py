"""Client pages: list and search, the client card, create and edit, sites."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms import SelectField

from clients import bp, service
from clients.forms import ClientForm, SiteForm
from core.auth import requires
from core.i18n import gettext as _
from core.i18n import lazy_gettext as _l
from franchise.service import list_franchises


def _form_data(form) -> dict:
    return {k: v for k, v in form.data.items() if k not in ("csrf_token", "franchise_id")}


class HeadOfficeClientForm(ClientForm):
    franchise_id = SelectField(_l("Franchise"), coerce=int)


@bp.route("/")
@requires("clients.view")
def index():
    q = request.args.get("q", "")[:100]
    page = min(max(request.args.get("page", 1, type=int) or 1, 1), 100000)  # the bound of the worker pool's pages
    clients, total = service.search_clients(q, page)
    return render_template("clients/index.html", clients=clients, total=total, q=q, page=page, page_size=service.PAGE_SIZE)


@bp.route("/<int:client_id>")
@requires("clients.view")
def detail(client_id):
    client = service.get_client(client_id) or abort(404)
    return render_template("clients/detail.html", client=client, site_form=SiteForm())


@bp.route("/new", methods=["GET", "POST"])
@requires("clients.edit")
def create():
    form = HeadOfficeClientForm() if current_user.is_head_office else ClientForm()
    if current_user.is_head_office:
        form.franchise_id.choices = [(f.id, f.name) for f in list_franchises() if f.region_id]
    if form.validate_on_submit():
        franchise_id = form.franchise_id.data if current_user.is_head_office else current_user.franchise_id
        client = service.create_client(_form_data(form), franchise_id, current_user.id)
        flash(_("Client %(name)s created.", name=client.name), "info")
        return redirect(url_for("clients.detail", client_id=client.id))
    return render_template("clients/form.html", form=form, client=None), (400 if request.method == "POST" else 200)


@bp.route("/<int:client_id>/edit", methods=["GET", "POST"])
@requires("clients.edit")
def edit(client_id):
    client = service.get_client(client_id) or abort(404)
    form = ClientForm(obj=client)
    if form.validate_on_submit():
        service.update_client(client, _form_data(form))
        flash(_("Saved."), "info")
        return redirect(url_for("clients.detail", client_id=client.id))
    return render_template("clients/form.html", form=form, client=client), (400 if request.method == "POST" else 200)


@bp.post("/<int:client_id>/sites")
@requires("clients.edit")
def add_site(client_id):
    client = service.get_client(client_id) or abort(404)
    form = SiteForm()
    if form.validate_on_submit():
        service.add_site(client, _form_data(form))
        flash(_("Site added."), "info")
        return redirect(url_for("clients.detail", client_id=client.id))
    return render_template("clients/detail.html", client=client, site_form=form), 400
