"""Worker pages: the pool, the card, the status workflow, photos, personal data, import and export."""
from flask import Response, abort, flash, jsonify, redirect, render_template, request, send_file, url_for
from flask_login import current_user

from core.auth import requires
from core.geocoding import GeocodeError, geocode
from core.i18n import STATUS_LABELS
from core.i18n import gettext as _
from franchise.service import get_region, list_regions
from ratings import service as ratings_service
from ratings.forms import RatingEventForm
from workers import bp, imports, photos, privacy, service, skills
from workers.availability import DAYS, format_ranges, local_shift
from dispatch import service as dispatch
from workers.forms import (DAY_LABELS, BlackoutForm, CandidateForm, ImportForm, InterviewForm, PhotoForm, SkillForm,
                           PoolFilterForm, StatusForm, WorkerForm)
from workers.models import TRANSITIONS, WORKER_STATUSES


@bp.app_context_processor
def _skill_helpers():
    return {"skill_names": skills.names_for, "hours": format_ranges}


def _worker_or_404(worker_id):
    return service.get_worker(worker_id) or abort(404)


def _worker_form(**kw) -> WorkerForm:
    form = WorkerForm(**kw)
    form.region_id.choices = [(r.id, r.name) for r in list_regions()]
    form.skills.choices = skills.choices()
    return form


@bp.route("/")
@requires("workers.view")
def index():
    form = PoolFilterForm(request.args)
    form.status.choices = [("", _("Any status"))] + [(s, str(STATUS_LABELS[s])) for s in WORKER_STATUSES]
    form.skill.choices = [("", _("Any skill"))] + skills.choices()
    form.region_id.choices = [("", _("Any region"))] + [(r.id, r.name) for r in list_regions()]
    rows, total, near_error = [], 0, None
    if form.validate():
        near = None
        if form.near.data:
            try:
                place = geocode(form.near.data)
                near = (place.lat, place.lon)
            except GeocodeError as exc:
                near_error = str(exc)
        if near_error is None:
            rows, total = service.search_workers(
                form.q.data or "", form.status.data or None, form.page.data or 1, skill=form.skill.data or None,
                region_id=form.region_id.data, min_rating=form.min_rating.data, near=near,
                within_km=form.within_km.data if near else None)
    status = 400 if form.errors or near_error else 200
    return render_template("workers/index.html", form=form, rows=rows, total=total, near_error=near_error,
                           page=form.page.data or 1, page_size=service.PAGE_SIZE), status


def _card(worker, status=200, photo_form=None):
    """Render the worker's card; a form given here shows what was sent and what is wrong with it."""
    status_form = StatusForm()
    status_form.status.choices = [(s, str(STATUS_LABELS[s])) for s in TRANSITIONS.get(worker.status, ())]
    return render_template(
        "workers/detail.html", worker=worker, interviews=service.interviews(worker),
        status_changes=service.status_history(worker), blackouts=service.blackouts(worker),
        rating_steps=ratings_service.explain(worker), interview_form=InterviewForm(),
        shifts=dispatch.shift_history(worker), busy=dispatch.busy_elsewhere(worker), messages=dispatch.messages(worker),
        status_form=status_form, blackout_form=BlackoutForm(), photo_form=photo_form or PhotoForm(),
        event_form=RatingEventForm(worker),
        availability=[(DAY_LABELS[d], getattr(worker, f"avail_{d}")) for d in DAYS]), status


@bp.route("/<int:worker_id>")
@requires("workers.view")
def detail(worker_id):
    return _card(_worker_or_404(worker_id))


@bp.route("/new", methods=["GET", "POST"])
@requires("workers.register")
def create():
    form = _worker_form()
    if form.validate_on_submit():
        try:
            worker = service.register_worker(form.data_for_service())
        except service.WorkerError as exc:
            getattr(form, exc.field or "phone").errors.append(str(exc))
        else:
            flash(_("Applicant %(name)s added.", name=worker.full_name), "info")
            return redirect(url_for("workers.detail", worker_id=worker.id))
    return render_template("workers/form.html", form=form, worker=None), (400 if request.method == "POST" else 200)


@bp.route("/<int:worker_id>/edit", methods=["GET", "POST"])
@requires("workers.register")
def edit(worker_id):
    worker = _worker_or_404(worker_id)
    form = _worker_form(obj=worker, skills=skills.codes_for(worker.skill_mask))
    if form.validate_on_submit():
        try:
            service.update_worker(worker, form.data_for_service())
        except service.WorkerError as exc:
            getattr(form, exc.field or "phone").errors.append(str(exc))
        else:
            flash(_("Saved."), "info")
            return redirect(url_for("workers.detail", worker_id=worker.id))
    return render_template("workers/form.html", form=form, worker=worker), (400 if request.method == "POST" else 200)


@bp.post("/<int:worker_id>/interview")
@requires("workers.interview")
def interview(worker_id):
    worker = _worker_or_404(worker_id)
    form = InterviewForm()
    if not form.validate_on_submit():
        abort(400, _("Choose the outcome of the interview."))
    service.record_interview(worker, current_user, form.outcome.data, form.notes.data)
    flash(_("Interview recorded."), "info")
    return redirect(url_for("workers.detail", worker_id=worker.id))


@bp.post("/<int:worker_id>/status")
@requires("workers.status")
def change_status(worker_id):
    worker = _worker_or_404(worker_id)
    form = StatusForm()
    form.status.choices = [(s, s) for s in WORKER_STATUSES]
    if not form.validate_on_submit():
        abort(400, _("Choose a status."))
    try:
        service.change_status(worker, form.status.data, form.reason.data, current_user)
    except service.WorkerError as exc:
        abort(400, str(exc))
    flash(_("Status changed."), "info")
    return redirect(url_for("workers.detail", worker_id=worker.id))


@bp.post("/<int:worker_id>/blackouts")
@requires("workers.register")
def add_blackout(worker_id):
    worker = _worker_or_404(worker_id)
    form = BlackoutForm()
    if not form.validate_on_submit():
        abort(400, _("Give a valid date."))
    service.add_blackout(worker, form.day.data, form.note.data)
    return redirect(url_for("workers.detail", worker_id=worker.id))


@bp.post("/<int:worker_id>/blackouts/<int:blackout_id>/delete")
@requires("workers.register")
def remove_blackout(worker_id, blackout_id):
    worker = _worker_or_404(worker_id)
    if not service.remove_blackout(worker, blackout_id):
        abort(404)
    return redirect(url_for("workers.detail", worker_id=worker.id))


@bp.route("/<int:worker_id>/photo")
@requires("workers.view")
def photo(worker_id):
    path = photos.photo_file(_worker_or_404(worker_id)) or abort(404)
    response = send_file(path, mimetype="image/jpeg", max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.post("/<int:worker_id>/photo")
@requires("workers.register")
def upload_photo(worker_id):
    worker = _worker_or_404(worker_id)
    form = PhotoForm()
    if not form.validate_on_submit():
        form.photo.errors = [_("Choose a photo to upload.")]
        return _card(worker, 400, photo_form=form)
    try:
        photos.save_photo(worker, form.photo.data.stream)
    except photos.PhotoError as exc:
        form.photo.errors.append(str(exc))
        return _card(worker, 400, photo_form=form)
    flash(_("Photo saved."), "info")
    return redirect(url_for("workers.detail", worker_id=worker.id))


@bp.route("/<int:worker_id>/personal-data")
@requires("workers.personal_data")
def personal_data(worker_id):
    worker = _worker_or_404(worker_id)
    response = jsonify(privacy.export_personal_data(worker))
    response.headers["Content-Disposition"] = f"attachment; filename=worker-{worker.id}-personal-data.json"
    return response


@bp.post("/<int:worker_id>/erase")
@requires("workers.personal_data")
def erase(worker_id):
    worker = _worker_or_404(worker_id)
    try:
        privacy.erase_personal_data(worker)
    except service.WorkerError as exc:
        abort(409, str(exc))
    flash(_("Personal data erased; the shift and rating history is kept."), "info")
    return redirect(url_for("workers.detail", worker_id=worker.id))


@bp.route("/import", methods=["GET", "POST"])
@requires("workers.register")
def import_csv():
    form = ImportForm()
    report = None
    if form.validate_on_submit():
        report = imports.import_workers(form.file.data.read(), form.on_duplicate.data)
    status = 400 if (request.method == "POST" and (form.errors or (report and not report.ok))) else 200
    return render_template("workers/import.html", form=form, report=report, columns=imports.COLUMNS,
                           regions=list_regions(), skill_choices=skills.choices()), status


@bp.route("/export.csv")
@requires("workers.export")
def export_csv():
    return Response(imports.export_workers(current_user), mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=workers.csv"})


@bp.route("/candidates")
@requires("dispatch.candidates")
def candidates():
    form = CandidateForm(request.args)
    form.region_id.choices = [(r.id, r.name) for r in list_regions()]
    form.skills.choices = skills.choices()
    results, error = None, None
    if request.args and form.validate():
        region = get_region(form.region_id.data) or abort(404)
        try:
            place = geocode(form.site.data)
            starts_at, ends_at = local_shift(form.day.data, form.start.data, form.end.data, region.timezone)
            shift = dispatch.Shift(region_id=region.id, lat=place.lat, lon=place.lon, starts_at=starts_at, ends_at=ends_at,
                          timezone=region.timezone, skill_mask=skills.mask_for(form.skills.data),
                          radius_km=form.radius_km.data)
            results = dispatch.candidates_with_workers(shift, form.limit.data)
        except (GeocodeError, skills.SkillError) as exc:
            error = str(exc)
    status = 400 if request.args and (form.errors or error) else 200
    return render_template("workers/candidates.html", form=form, results=results, error=error), status


@bp.route("/skills", methods=["GET", "POST"])
@requires("skills.manage")
def skill_list():
    form = SkillForm()
    if form.validate_on_submit():
        try:
            skills.add_skill(form.code.data, form.name_en.data, form.name_ru.data)
        except skills.SkillError as exc:
            form.code.errors.append(str(exc))
        else:
            flash(_("Skill added."), "info")
            return redirect(url_for("workers.skill_list"))
    return render_template("workers/skills.html", form=form, skills=skills.list_skills(include_inactive=True)), (
        400 if request.method == "POST" else 200)
