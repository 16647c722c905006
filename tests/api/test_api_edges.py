"""What schemathesis found at the API's edges, each pinned by a plain request: ids, dates, decimals, 405, tokens."""
import json
from datetime import datetime, timezone

import pytest
from freezegun import freeze_time

from core.service import issue_token
from tests import factories


@pytest.fixture(autouse=True)
def _the_day_before_the_shift():
    """The orders below start on 2027-03-02, a day ahead, whenever the suite runs."""
    with freeze_time("2027-03-01 09:00:00"):
        yield


@pytest.fixture
def api(client, city):
    token = issue_token(city.admin)

    def call(method, url, **kw):
        return client.open(url, method=method, headers={"Authorization": f"Bearer {token}"}, **kw)

    return call


@pytest.fixture
def spec(client):
    return client.get("/api/v1/openapi.json").json


def _order_json(city, **kw):
    return {"client_id": city.a_client.id, "site_id": city.a_site.id, "work_type": "loading", "workers_needed": 2,
            "starts_at": "2027-03-02T09:00:00+03:00", "ends_at": "2027-03-02T18:00:00+03:00", "dispatch": False, **kw}


@pytest.mark.parametrize("url", [
    "/api/v1/orders/99999999999999999999", "/api/v1/orders/2147483648", "/api/v1/workers/2199023255551/rating-events",
    "/api/v1/franchises/9223372036854775808", "/api/v1/workers/0",
])
def test_an_id_beyond_the_database_integer_is_a_404_not_a_500(api, url):
    response = api("GET", url)
    assert response.status_code == 404
    assert response.json["code"] == 404


def test_pages_refuse_huge_ids_and_pages_with_a_404_or_the_last_page(client, auth, city):
    auth.login(city.a_dispatcher.email)
    assert client.get("/orders/99999999999999999999").status_code == 404
    assert client.get("/clients/2147483648").status_code == 404
    assert client.get("/clients/?page=99999999999999999999").status_code == 200


@pytest.mark.parametrize("body,field", [
    ({"client_id": 2**31}, "client_id"),
    ({"site_id": 99999999999999999999}, "site_id"),
    ({"starts_at": "0001-01-01T00:00:00+03:00"}, "starts_at"),
    ({"ends_at": "0001-01-01T00:00:00-03:00"}, "ends_at"),
    ({"starts_at": "9999-12-31T23:59:59-05:00"}, "starts_at"),
    ({"pay_rate": 110.5}, "pay_rate"),
    ({"pay_rate": "100000.00"}, "pay_rate"),
    ({"bill_rate": "1.005"}, "bill_rate"),
    ({"notes": "a\x00b"}, "notes"),
])
def test_out_of_range_values_in_an_order_are_a_422_naming_the_field(api, city, body, field):
    response = api("POST", "/api/v1/orders/", json=_order_json(city, **body))
    assert response.status_code == 422, response.json
    assert field in response.json["errors"]["json"]


def test_an_order_with_decimal_strings_is_created_and_answers_them_as_strings(api, city):
    response = api("POST", "/api/v1/orders/", json=_order_json(city, pay_rate="120.50", bill_rate="99999.99"))
    assert response.status_code == 201, response.json
    assert (response.json["pay_rate"], response.json["bill_rate"]) == ("120.50", "99999.99")


@pytest.mark.parametrize("query", [
    {"q": "a\x00b"}, {"page": 0},
])
def test_bad_worker_queries_are_a_422(api, query):
    assert api("GET", "/api/v1/workers/", query_string=query).status_code == 422


def test_candidates_refuse_a_year_one_shift_and_a_huge_region(api, city):
    base = {"region_id": city.moscow.id, "lat": 55.75, "lon": 37.62,
            "starts_at": "2027-03-02T09:00:00+03:00", "ends_at": "2027-03-02T18:00:00+03:00"}
    assert api("GET", "/api/v1/workers/candidates", query_string=base).status_code == 200
    for change in ({"starts_at": "0001-01-01T00:00:00+03:00"}, {"region_id": 2**40}):
        response = api("GET", "/api/v1/workers/candidates", query_string={**base, **change})
        assert response.status_code == 422, response.json
        assert list(change) == list(response.json["errors"]["query"])


def test_decimals_are_strings_in_the_document_and_in_the_answer(api, city, spec):
    factories.order(city.a_site, starts_at=datetime(2027, 3, 2, 6, tzinfo=timezone.utc))
    schemas = spec["components"]["schemas"]
    answers = {"RegionOut": api("GET", "/api/v1/regions").json[0],
               "FranchiseOut": api("GET", "/api/v1/franchises").json[0],
               "WorkerOut": api("GET", "/api/v1/workers/").json[0],
               "OrderOut": api("GET", "/api/v1/orders/").json[0]}
    fields = {"RegionOut": ["radius_km"], "FranchiseOut": ["royalty_rate"], "WorkerOut": ["rating", "reliability"],
              "OrderOut": ["pay_rate", "bill_rate"]}
    for schema, names in fields.items():
        for name in names:
            assert schemas[schema]["properties"][name]["type"] == "string"
            assert schemas[schema]["properties"][name]["format"] == "decimal"
            assert isinstance(answers[schema][name], str) and answers[schema][name].replace(".", "").isdigit()


def test_every_minimum_and_maximum_in_the_document_is_a_number(spec):
    def bounds(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum") and not isinstance(value, bool):
                    yield key, value
                yield from bounds(value)
        elif isinstance(node, list):
            for item in node:
                yield from bounds(item)

    found = list(bounds(spec))
    assert found  # the document has bounds to check
    assert [b for b in found if not isinstance(b[1], (int, float))] == []
    order_in = spec["components"]["schemas"]["OrderIn"]["properties"]
    assert order_in["client_id"]["maximum"] == 2**31 - 1
    assert order_in["pay_rate"]["pattern"] == r"^[0-9]{1,5}(\.[0-9]{1,2})?$"


@pytest.mark.parametrize("method,url,allowed", [
    ("TRACE", "/api/v1/me", {"GET"}),
    ("DELETE", "/api/v1/orders/", {"GET", "POST"}),
    ("PUT", "/api/v1/workers/1", {"GET"}),
])
def test_a_405_says_which_methods_are_allowed(api, method, url, allowed):
    response = api(method, url)
    assert response.status_code == 405
    assert allowed <= set(response.headers["Allow"].replace(" ", "").split(","))
    assert response.json["code"] == 405


def test_without_a_token_every_operation_is_a_401_before_its_input_is_read(client, city, spec):
    for path, operations in spec["paths"].items():
        url = path.replace("{", "").replace("}", "").replace("franchise_id", "1").replace("worker_id", "1")
        url = url.replace("order_id", "1").replace("lead_id", "1")
        for method in operations:
            if method == "parameters":
                continue
            response = client.open(url, method=method.upper(), data="{not json", content_type="application/json")
            assert response.status_code == 401, (method, url, response.json)
            assert response.json["code"] == 401


def test_every_operation_documents_its_errors_with_the_error_body(spec):
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    assert spec["security"] == [{"bearerAuth": []}]
    error = spec["components"]["schemas"]["Error"]["properties"]
    assert {"code", "status", "message", "errors"} <= set(error)
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if method == "parameters":
                continue
            documented = set(operation["responses"])
            assert {"401", "403"} <= documented, (method, path)
            assert "default" not in documented, (method, path)  # every status is named
            if "{" in path:
                assert "404" in documented, (method, path)
            if "requestBody" in operation or operation.get("parameters"):
                assert "422" in documented, (method, path)
            if "requestBody" in operation:
                assert "400" in documented, (method, path)
    assert json.dumps(spec["components"]["responses"]["UNAUTHORIZED"]).count("#/components/schemas/Error") == 1
