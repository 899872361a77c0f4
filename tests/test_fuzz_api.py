"""Schemathesis against the app's OpenAPI, in process: every operation, valid and invalid
input, no 500, every response as the schema says. Against an app of its own (uploads,
deletes and rebuilds go there), with the admin token. The operations are listed here and
checked against the schema, so that a new endpoint cannot go unfuzzed.

(schemathesis.pytest.from_fixture does not run under pytest 9, hence a test per operation
that drives schemathesis' Hypothesis strategy itself.)
"""

import re

import pytest
import schemathesis
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError
from schemathesis import GenerationMode
from schemathesis.python import asgi

from tests.conftest import ADMIN_TOKEN, InProcess
from web.schemas import AskRequest

AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
OPERATIONS = [  # method, path, takes input (else there is no invalid input to send)
    ("POST", "/ask", True),
    ("GET", "/ask", True),
    ("GET", "/healthz", False),
    ("POST", "/conversations", False),
    ("GET", "/conversations/{cid}", True),
    ("POST", "/conversations/{cid}/turns", True),
    ("GET", "/articles", True),
    ("GET", "/articles/{article_id}", True),
    ("POST", "/admin/articles", True),
    ("DELETE", "/admin/articles/{article_id}", False),  # any string is a valid id
    ("POST", "/admin/rebuild", False),
    ("GET", "/admin/status", False),
    ("GET", "/admin/uploads", False),
    ("DELETE", "/admin/uploads/{name}", False),  # any string is a valid name (else 404)
]
CASES = [
    pytest.param(method, path, mode, id=f"{method} {path} {mode.value}")
    for method, path, has_input in OPERATIONS
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
    if has_input or mode is GenerationMode.POSITIVE
]


@pytest.fixture(scope="module")
def api_schema(scratch_api: InProcess) -> schemathesis.BaseSchema:
    rejected = [400, 401, 403, 404, 405, 406, 409, 413, 415, 422, 428, 429]  # 413: a limit
    config = schemathesis.config.SchemathesisConfig.from_dict(
        {"checks": {"negative_data_rejection": {"expected-statuses": rejected}}}
    )
    return schemathesis.openapi.from_asgi("/openapi.json", scratch_api.app, config=config)


def test_the_schema_has_exactly_these_operations(api_schema: schemathesis.BaseSchema) -> None:
    found = {(op.ok().method.upper(), op.ok().path) for op in api_schema.get_all_operations()}
    assert found == {(method, path) for method, path, _ in OPERATIONS}


@pytest.mark.parametrize(("method", "path", "mode"), CASES)
def test_every_operation_keeps_to_its_schema(
    api_schema: schemathesis.BaseSchema,
    scratch_api: InProcess,
    method: str,
    path: str,
    mode: GenerationMode,
) -> None:
    operation = api_schema[path][method]
    # The schema cannot say which file names are supported (.md, .json…): an upload of
    # "files" only gets a clear 422, which is right, not a schema-valid request refused.
    upload = (method, path) == ("POST", "/admin/articles")
    excluded = [schemathesis.checks.positive_data_acceptance] if upload else []
    # One client over the running app: schemathesis' own would start and stop the app's
    # lifespan (and its background jobs) on every call.
    session = asgi.get_client(scratch_api.app)

    @settings(
        max_examples=12, deadline=None, database=None, suppress_health_check=list(HealthCheck)
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def call(case: schemathesis.Case) -> None:
        case.call_and_validate(headers=AUTH, session=session, excluded_checks=excluded)

    call()


def test_what_the_fuzzing_found_stays_fixed(scratch_api: InProcess) -> None:
    huge = scratch_api.get("/articles", params={"offset": 10**24}, timeout=30)
    assert huge.status_code == 422  # was a 500: SQLite cannot take the number
    assert huge.json()["error"].startswith("offset: Input should be less than or equal to")
    unknown = scratch_api.get("/no/such/page", timeout=30)  # was {"detail": "Not Found"}
    assert unknown.json() == {"error": "Not Found", "status": 404}
    broken = scratch_api.post(
        "/admin/articles",
        content=b"--x\r\n1.5--x--\r\n",
        headers={**AUTH, "Content-Type": "multipart/form-data; boundary=x"},
        timeout=30,
    )  # was {"detail": "Invalid multipart data."}
    assert broken.json() == {"error": "Invalid multipart data.", "status": 400}
    for wrong in ({"k": True}, {"read_dates": 1}):  # was accepted as k=1, read_dates=True
        typed = scratch_api.post("/ask", json={"question": "Qui ?", **wrong})
        assert typed.status_code == 422, wrong


@pytest.mark.parametrize("blank", ["\x1c", " \x85\u3000", "\ufeff\t"])
def test_a_blank_question_is_blank_for_the_schema_and_the_server(
    scratch_api: InProcess, blank: str
) -> None:
    """Python's strip() and JSON Schema's \\s disagreed on \\x1c, \\x85 and \\ufeff: a
    question the schema let through was "empty" to the server (found by schemathesis)."""
    schema = scratch_api.get("/openapi.json", timeout=30).json()
    pattern = schema["components"]["schemas"]["AskRequest"]["properties"]["question"]["pattern"]
    assert re.search(pattern, blank) is None and re.search(pattern, blank + "a")
    refused = scratch_api.post("/ask", json={"question": blank}, timeout=30)
    assert refused.status_code == 422
    assert refused.json()["error"] == "question: the question is empty"


def _date_patterns(schema: dict) -> set[str]:
    shapes = schema["components"]["schemas"]
    found = {
        branch["pattern"]
        for shape in ("AskRequest", "TurnRequest")
        for field in ("since", "until")
        for branch in shapes[shape]["properties"][field]["anyOf"]
        if "pattern" in branch
    }
    for parameter in schema["paths"]["/ask"]["get"]["parameters"]:
        if parameter["name"] in ("since", "until"):
            found |= {b["pattern"] for b in parameter["schema"]["anyOf"] if "pattern" in b}
    return found


def test_a_filter_date_is_valid_for_the_schema_exactly_when_the_server_takes_it(
    scratch_api: InProcess,
) -> None:
    """The published pattern allowed `2024-13`, which the server refuses (422): schemathesis
    found such dates, as any client generated from the schema would."""
    patterns = _date_patterns(scratch_api.get("/openapi.json", timeout=30).json())
    assert len(patterns) == 1  # bodies and query parameters alike
    published = patterns.pop()

    @settings(max_examples=500, deadline=None, database=None)
    @given(
        st.one_of(
            st.from_regex(r"[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?", fullmatch=True),
            st.dates().map(lambda day: day.isoformat()[: [4, 7, 10][day.day % 3]]),
            st.text(max_size=12),
        )
    )
    @example("2024-02-29")
    @example("2000-02-29")
    @example("1900-02-29")
    @example("2023-02-29")
    @example("2025-04-31")
    @example("2024-13")
    @example("0000")
    @example("0004-02-29")
    @example("٢٠٢٤")
    def agree(value: str) -> None:
        try:
            AskRequest(question="Qui ?", since=value)
            taken = True
        except ValidationError:
            taken = False
        assert (re.search(published, value) is not None) == taken, value

    agree()
