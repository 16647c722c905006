"""Errors explained to people (HTML pages) and to programs (JSON under /api/)."""
from flask import flash, jsonify, redirect, render_template, request
from marshmallow import ValidationError
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge
from werkzeug.http import HTTP_STATUS_CODES

from core.audit import AuditLogImmutable
from core.i18n import gettext
from core.tenancy import TenancyViolation
from extensions import db


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.path == "/healthz" or (
        request.accept_mimetypes.best == "application/json"
    )


def _explain(code: int) -> str:
    return {
        400: gettext("The request could not be understood. Check what you entered and try again."),
        401: gettext("Please log in first."),
        403: gettext("You do not have access to this page."),
        404: gettext("There is nothing here. It may have been removed, or it belongs to another franchise."),
        405: gettext("This action is not allowed here."),
        413: gettext("The upload is too large."),
        422: gettext("Some fields are not valid."),
        429: gettext("Too many attempts. Wait a minute and try again."),
        500: gettext("Something went wrong on our side. The error has been logged."),
    }.get(code, gettext("The request could not be completed."))


def render_error(code: int, message: str | None = None, errors: dict | None = None, headers=()):
    message = message or _explain(code)
    if _wants_json():
        body = {"code": code, "status": _status_name(code), "message": message}
        if errors:
            body["errors"] = errors
        return jsonify(body), code, headers
    return render_template("errors/error.html", code=code, message=message), code, headers


def _status_name(code: int) -> str:
    return HTTP_STATUS_CODES.get(code, "Error")


def _back_to_the_form():
    """The page a too-large upload came from, when it is one of ours, so the answer lands on that form."""
    referrer = request.referrer or ""
    if _wants_json() or request.method != "POST" or not referrer.startswith(request.host_url):
        return None
    return referrer


def init_app(app) -> None:
    @app.errorhandler(RequestEntityTooLarge)
    def _too_large(exc):
        # the body was never read, so nothing was saved; a person sees the message on his form, not a dead end
        back = _back_to_the_form()
        if back is None:
            return render_error(413)
        mb = app.config["MAX_CONTENT_LENGTH"] // (1024 * 1024)
        flash(gettext("The file is too large to upload (at most %(mb)s MB): nothing was saved.", mb=mb), "error")
        return redirect(back, 303)

    @app.errorhandler(HTTPException)
    def _http(exc):
        # flask-smorest puts marshmallow messages into exc.data; abort(code, "why") sets a
        # description of our own, which beats the generic English one.
        data = getattr(exc, "data", None) or {}
        errors = data.get("messages") or data.get("errors")
        custom = data.get("message") or (
            exc.description if exc.code != 429 and exc.description != type(exc).description else None
        )
        # the exception's own headers (Allow on a 405, WWW-Authenticate) belong to the answer
        headers = [(name, value) for name, value in exc.get_headers() if name.lower() != "content-type"]
        return render_error(exc.code or 500, custom, errors, headers)

    @app.errorhandler(ValidationError)
    def _invalid(exc):
        db.session.rollback()
        return render_error(422, errors=exc.messages)

    @app.errorhandler(TenancyViolation)
    def _tenancy(exc):
        db.session.rollback()
        return render_error(404)

    @app.errorhandler(PermissionError)
    def _forbidden(exc):
        # a service refused the caller (the route's role check let him in): 403, never 500
        db.session.rollback()
        return render_error(403)

    @app.errorhandler(AuditLogImmutable)
    def _audit(exc):
        db.session.rollback()
        return render_error(403)

    @app.errorhandler(Exception)
    def _unexpected(exc):
        db.session.rollback()
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        return render_error(500)
