"""The OpenAPI document beyond the schemas: the bearer token, every error an operation answers, decimals."""
from apispec import BasePlugin
from flask import Flask

from core.fields import DecimalString, pattern_properties
from extensions import api

BEARER = {"type": "http", "scheme": "bearer", "description": "A token from `flask users token EMAIL`."}


class ErrorResponses(BasePlugin):
    """Declare on every operation the errors it can answer, each with the body core/errors.py writes.

    Every operation needs a bearer token (401 without a valid one) and a role that may
    act (403); one with an id in its path answers 404 for a row the caller cannot see; one
    that reads a body answers 400 when it is not JSON; one that reads a body or a query
    answers 422 when a field is not valid (flask-smorest declares that one itself).
    """

    def init_spec(self, spec):
        super().init_spec(spec)
        spec.components.security_scheme("bearerAuth", BEARER)

    def operation_helper(self, path=None, operations=None, **kwargs):
        rule = kwargs.get("rule")
        for operation in (operations or {}).values():
            responses = operation.setdefault("responses", {})
            responses.setdefault("401", "UNAUTHORIZED")
            responses.setdefault("403", "FORBIDDEN")
            if rule is not None and rule.arguments:
                responses.setdefault("404", "NOT_FOUND")
            if "requestBody" in operation:
                responses.setdefault("400", "BAD_REQUEST")


def init_app(app: Flask) -> None:
    """Bind the API to app and document what the schemas alone do not say."""
    # No catch-all "default" answer: every status an operation can give is listed, so
    # that an undocumented one is a contract failure.
    api.DEFAULT_ERROR_RESPONSE_NAME = None
    api.init_app(app, spec_kwargs={"extra_plugins": (ErrorResponses(),), "security": [{"bearerAuth": []}]})
    api.register_field(DecimalString, "string", "decimal")
    api.ma_plugin.converter.add_attribute_function(pattern_properties)
