"""Playbook pages: the library by tier, one document (stamped, logged), its file; head office's uploads and log."""
import io

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user

from core.auth import requires
from core.i18n import gettext as _
from playbook import bp, files, service
from playbook.forms import DocumentForm, VersionForm, WithdrawForm

NO_STORE = {"Cache-Control": "no-store"}  # a stamped copy names its reader: no cache keeps it for another


def _index(form=None, status=200):
    return render_template("playbook/index.html", documents=service.list_documents(current_user),
                           tiers=service.tiers_for(current_user), form=form or DocumentForm()), status


@bp.get("/")
@requires("playbook.view")
def index():
    return _index()


@bp.post("/")
@requires("playbook.manage")
def upload():
    form = DocumentForm()
    if not form.validate_on_submit():
        return _index(form, 400)
    if not form.file.data:
        form.file.errors = [_("Choose a file to upload.")]
        return _index(form, 400)
    try:
        document = service.create_document(current_user, form.title.data, form.description.data, form.min_tier.data,
                                           form.file.data.stream, form.file.data.filename)
    except (service.PlaybookError, files.PlaybookFileError) as exc:
        form.file.errors = [str(exc)]
        return _index(form, 400)
    flash(_("“%(title)s” is in the playbook.", title=document.title), "info")
    return redirect(url_for("playbook.detail", document_id=document.id))


def _document_or_404(document_id):
    return service.get_document(current_user, document_id) or abort(404)


def _detail(document, version_form=None, status=200):
    text = None
    if document.current.kind == "text" and status == 200:  # shown on the page itself: a view, stamped and logged
        text = _copy(document, "view").data.decode("utf-8")
    log = service.access_log(document_id=document.id)[0] if current_user.is_head_office else ()
    return render_template("playbook/detail.html", document=document, text=text, log=log,
                           version_form=version_form or VersionForm(), withdraw_form=WithdrawForm()), status, NO_STORE


@bp.get("/<int:document_id>")
@requires("playbook.view")
def detail(document_id):
    return _detail(_document_or_404(document_id))


def _copy(document, kind):
    try:
        return service.serve_copy(current_user, document, kind, request.remote_addr)
    except LookupError:
        abort(404, _("The file of this document is missing: tell head office."))


def _send(document_id, kind):
    copy = _copy(_document_or_404(document_id), kind)
    mimetype = "text/plain" if kind == "view" and copy.content_type.startswith("text/") else copy.content_type
    response = send_file(io.BytesIO(copy.data), mimetype=mimetype, as_attachment=kind == "download",
                         download_name=copy.filename, max_age=0, etag=False)
    response.headers.update(NO_STORE)
    return response


@bp.get("/<int:document_id>/view")
@requires("playbook.view")
def view(document_id):
    return _send(document_id, "view")


@bp.get("/<int:document_id>/download")
@requires("playbook.view")
def download(document_id):
    return _send(document_id, "download")


@bp.post("/<int:document_id>/versions")
@requires("playbook.manage")
def new_version(document_id):
    document = _document_or_404(document_id)
    form = VersionForm()
    if not form.validate_on_submit() or not form.file.data:
        form.file.errors = [_("Choose a file to upload.")]
        return _detail(document, form, 400)
    try:
        version = service.replace_file(current_user, document, form.file.data.stream, form.file.data.filename)
    except (service.PlaybookError, files.PlaybookFileError) as exc:
        form.file.errors = [str(exc)]
        return _detail(document, form, 400)
    flash(_("Version %(number)s of “%(title)s” is the one served now.", number=version.number, title=document.title),
          "info")
    return redirect(url_for("playbook.detail", document_id=document.id))


@bp.post("/<int:document_id>/withdraw")
@requires("playbook.manage")
def withdraw(document_id):
    document = _document_or_404(document_id)
    if not WithdrawForm().validate_on_submit():
        abort(400, _("The form has expired: reload the page."))
    service.withdraw_document(current_user, document)
    flash(_("“%(title)s” is withdrawn: no franchise sees it now. Its log stays.", title=document.title), "info")
    return redirect(url_for("playbook.detail", document_id=document.id))


@bp.get("/log")
@requires("playbook.manage")
def log():
    document_id = request.args.get("document", type=int)
    franchise_id = request.args.get("franchise", type=int)
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    rows, total = service.access_log(document_id, franchise_id, page)
    return render_template("playbook/log.html", rows=rows, total=total, page=page,
                           page_size=service.LOG_PAGE_SIZE, document_id=document_id, franchise_id=franchise_id,
                           by_document=service.access_counts("document"),
                           by_franchise=service.access_counts("franchise"))
