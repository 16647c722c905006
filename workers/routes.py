"""Worker pages and the worker API."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_smorest import abort as api_abort

from core.auth import api_auth_required, role_required
from core.i18n import gettext as _
from franchise.service import list_regions
from workers import api_bp, bp, service, skills
from workers.forms import WorkerForm
from workers.models import WORKER_STATUSES
from workers.schemas import WorkerIn, WorkerOut, WorkerQuery

POOL_ROLES = ("recruiter", "dispatcher", "partner")


@bp.app_context_processor
def _skill_helpers():
    return {"skill_names": skills.names_for}


@bp.route("/")
@role_required(*POOL_ROLES)
def index():
    args = WorkerQuery().load(request.args, unknown="exclude")
    workers, total = service.search_workers(args["q"], args["status"], args["page"])
    return render_template(
        "workers/index.html", workers=workers, total=total, statuses=WORKER_STATUSES, page_size=service.PAGE_SIZE, **args
    )


@bp.route("/<int:worker_id>")
@role_required(*POOL_ROLES)
def detail(worker_id):
    worker = service.get_worker(worker_id) or abort(404)
    return render_template("workers/detail.html", worker=worker)


@bp.route("/new", methods=["GET", "POST"])
@role_required("recruiter", "partner")
def create():
    form = WorkerForm()
    form.region_id.choices = [(r.id, r.name) for r in list_regions()]
    form.skills.choices = skills.choices()
    if form.validate_on_submit():
        data = {k: v for k, v in form.data.items() if k != "csrf_token"}
        try:
            worker = service.register_worker(data)
        except service.WorkerError as exc:
            getattr(form, exc.field or "phone").errors.append(str(exc))
        else:
            flash(_("Applicant %(name)s added.", name=worker.full_name), "info")
            return redirect(url_for("workers.detail", worker_id=worker.id))
    return render_template("workers/form.html", form=form), (400 if request.method == "POST" else 200)


@api_bp.route("/")
@api_bp.arguments(WorkerQuery, location="query")
@api_bp.response(200, WorkerOut(many=True))
@api_auth_required
def api_list(args):
    """Workers the caller can see; `q` matches a name or a phone typed any way."""
    workers, _total = service.search_workers(args["q"], args["status"], args["page"])
    return workers


@api_bp.route("/", methods=["POST"])
@api_bp.arguments(WorkerIn)
@api_bp.response(201, WorkerOut)
@api_auth_required
def api_create(data):
    """Register an applicant."""
    try:
        return service.register_worker(data)
    except service.WorkerError as exc:
        api_abort(422, message=str(exc), errors={"json": {exc.field: [str(exc)]}})


@api_bp.route("/<int:worker_id>")
@api_bp.response(200, WorkerOut)
@api_auth_required
def api_get(worker_id):
    """One worker."""
    return service.get_worker(worker_id) or abort(404)
