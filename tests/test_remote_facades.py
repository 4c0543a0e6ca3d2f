"""Facades over real HTTP (``apps.core.remote_facades``): a live server answers the contracts
of accounts, directory and reviews, and the client generated from each contract returns what
the ``api`` module returns in-process, raises the same domain errors, and says
``FacadeUnavailable`` quickly when nothing answers.

The data is the seeded demo and the arguments are those of tests/test_facades.py.
"""

from __future__ import annotations

import importlib
import socket
import time

import pytest
import requests
from django.core.exceptions import ValidationError
from django.core.management import call_command

from apps.core import remote_facades
from apps.core.errors import FacadeUnavailable, NotFound
from apps.core.remote_facades import client_for, contract_for, contract_functions
from apps.core.request_context import request_id_var
from tests.test_facades import ARGUMENTS, Scenario

TOKEN = "a-facades-token-for-tests"  # pragma: allowlist secret
CONTEXTS = ["accounts", "directory", "reviews"]

# Writes whose every call makes a new row: the remote and the in-process answers differ by
# the row's identity only.
NEW_ROW_EACH_CALL = {"accounts.audit_record", "accounts.company_key_create"}
# The same arguments, changed so that a second call answers like the first.
IDEMPOTENT_ARGUMENTS = {
    "reviews.eldo_review_request_create": lambda s: {"lead_id": s.lead.pk},
}


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def served(settings, live_server):
    """The live server answers the three contexts' facades; ``remote(ctx)`` is the client."""
    settings.FACADES_TOKEN = TOKEN
    settings.FACADES_SERVED = CONTEXTS

    def remote(context: str):
        settings.REMOTE_FACADES = {context: live_server.url}
        return client_for(context)

    remote.url = live_server.url
    return remote


def outcome(call):
    """What a call gave: ("value", result) or ("raised", class name, message)."""
    try:
        return ("value", call())
    except (NotFound, ValidationError) as exc:
        return ("raised", type(exc).__name__, getattr(exc, "message_dict", None) or str(exc))


def _same_row(name: str, remote, local) -> None:
    if name == "accounts.audit_record":
        assert isinstance(remote, int) and isinstance(local, int) and remote != local
    else:  # (the key's row, the clear key): another key with the same name
        (remote_row, remote_key), (local_row, local_key) = remote, local
        assert remote_row.keys() == local_row.keys()
        assert remote_row["name"] == local_row["name"]
        assert remote_key != local_key


@pytest.mark.django_db(transaction=True)
def test_every_contract_function_answers_over_http_what_it_answers_in_process(
    served, settings, mailoutbox
):
    settings.DEBUG = True
    call_command("seed_demo", verbosity=0)
    scenario = Scenario()
    importlib.import_module("apps.accounts.api").partner_key_create(
        organization_id=scenario.network_id,
        name="CRM du réseau",
        created_by_id=scenario.pro_user_id,
    )  # the key partner_key_revoke revokes (twice: the second time changes nothing)
    checked = []
    for context in CONTEXTS:
        names = contract_functions(contract_for(context))
        ordered = [n for n in (k.split(".", 1)[1] for k in ARGUMENTS if k.startswith(context))]
        assert set(names) <= set(ordered), f"tests/test_facades.py ARGUMENTS lacks {context}"
        api = importlib.import_module(f"apps.{context}.api")
        for name in [n for n in ordered if n in names]:
            key = f"{context}.{name}"
            arguments = ARGUMENTS[key](scenario)
            arguments.update(IDEMPOTENT_ARGUMENTS.get(key, lambda s: {})(scenario))
            remote = outcome(lambda: getattr(served(context), name)(**arguments))
            settings.REMOTE_FACADES = {}
            local = outcome(lambda: getattr(api, name)(**arguments))
            if key in NEW_ROW_EACH_CALL:
                assert remote[0] == local[0] == "value", key
                _same_row(key, remote[1], local[1])
            else:
                assert remote == local, key
            checked.append(key)
    assert len(checked) == sum(len(contract_functions(contract_for(c))) for c in CONTEXTS)


@pytest.mark.django_db(transaction=True)
def test_domain_errors_are_raised_again_by_the_client(served, settings):
    from apps.accounts.tests.factories import OrganizationFactory, UserFactory

    network = OrganizationFactory(kind="network")
    user = UserFactory()
    accounts = served("accounts")
    with pytest.raises(NotFound) as raised:
        accounts.partner_key_revoke(organization_id=network.pk, prefix="inconnue")
    assert raised.value.message == "Clé inconnue."
    assert raised.value.code == "not_found"
    with pytest.raises(ValidationError) as refused:
        accounts.company_key_create(organization_id=network.pk, name="", created_by_id=user.pk)
    settings.REMOTE_FACADES = {}
    with pytest.raises(ValidationError) as in_process:
        importlib.import_module("apps.accounts.api").company_key_create(
            organization_id=network.pk, name="", created_by_id=user.pk
        )
    assert refused.value.message_dict == in_process.value.message_dict


def _post(url: str, function: str, body, token: str | None = TOKEN):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return requests.post(
        f"{url}/internal/facades/directory/{function}", json=body, headers=headers, timeout=5
    )


@pytest.mark.django_db(transaction=True)
def test_the_server_refuses_bad_arguments_tokens_and_functions(served, settings):
    bad = _post(served.url, "pros_by_ids", {"args": {"ids": ["un"], "extra": 1}})
    assert bad.status_code == 400
    errors = bad.json()["error"]["errors"]
    assert set(errors) == {"ids", "extra"}
    assert errors["ids"][0].startswith("ids.0: ")
    missing = _post(served.url, "pros_by_ids", {"args": {}})
    assert missing.status_code == 400 and "ids" in missing.json()["error"]["errors"]
    assert _post(served.url, "categories", {"args": {}}, token="not-it").status_code == 401
    assert _post(served.url, "categories", {"args": {}}, token=None).status_code == 401
    assert _post(served.url, "no_such_function", {"args": {}}).status_code == 404
    assert _post(served.url, "_operations", {"args": {}}).status_code == 404
    assert requests.get(
        f"{served.url}/internal/facades/directory/categories", timeout=5
    ).status_code in {401, 405}
    assert _post(served.url, "categories", {"args": {}}).json() == {"result": []}
    settings.FACADES_SERVED = ["accounts"]
    assert _post(served.url, "categories", {"args": {}}).status_code == 404
    settings.FACADES_SERVED = CONTEXTS
    settings.FACADES_TOKEN = ""
    assert _post(served.url, "categories", {"args": {}}, token=None).status_code == 404
    assert _post(served.url, "categories", {"args": {}}, token="").status_code == 404


def test_the_client_has_the_contract_functions_only(settings):
    settings.REMOTE_FACADES = {"directory": f"http://127.0.0.1:{closed_port()}"}
    directory = client_for("directory")
    assert "pro_profile" in dir(directory)
    with pytest.raises(AttributeError):
        directory.pro_profile_viewed  # in the api, not in the contract
    with pytest.raises(TypeError):
        directory.pro_profile("a", "b")  # bound to the contract's signature before any call


def test_a_closed_port_is_unavailable_quickly(settings):
    settings.FACADES_TOKEN = TOKEN
    settings.REMOTE_FACADES = {"reviews": f"http://127.0.0.1:{closed_port()}"}
    from apps.core.facade_ports import facade

    reviews = facade("reviews")
    started = time.monotonic()
    with pytest.raises(FacadeUnavailable):
        reviews.latest_reviews(limit=3)
    assert time.monotonic() - started < 1.5


class Recorder:
    """The pooled session, recording what a call sends and answering ``status`` + ``body``."""

    def __init__(self, status: int, body: bytes):
        self.status, self.body, self.sent = status, body, {}

    def post(self, url, *, json, headers, timeout):
        self.sent = {"url": url, "json": json, "headers": headers, "timeout": timeout}
        response = requests.Response()
        response.status_code, response._content = self.status, self.body
        return response


def _recorded(monkeypatch, settings, status: int, body: bytes) -> Recorder:
    recorder = Recorder(status, body)
    monkeypatch.setattr(remote_facades, "_session", lambda: recorder)
    settings.FACADES_TOKEN = TOKEN
    settings.REMOTE_FACADES = {"directory": "http://directory:8000/"}
    settings.REMOTE_FACADES_TIMEOUT = 0.5
    return recorder


def test_a_call_carries_its_arguments_the_token_and_the_request_id(monkeypatch, settings):
    recorder = _recorded(monkeypatch, settings, 200, b'{"result": [3, 2]}')
    token = request_id_var.set("req-0123456789")
    try:
        result = client_for("directory").pros_competing(pro_id=1, other_pro_ids=[2, 3])
    finally:
        request_id_var.reset(token)
    assert result == {2, 3}  # decoded by the return annotation: set[int]
    assert recorder.sent == {
        "url": "http://directory:8000/internal/facades/directory/pros_competing",
        "json": {"args": {"pro_id": 1, "other_pro_ids": [2, 3]}},
        "headers": {"Authorization": f"Bearer {TOKEN}", "X-Request-ID": "req-0123456789"},
        "timeout": (0.5, 0.5),
    }


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (500, b'{"error": {"type": "ServerError"}}'),
        (503, b"<html>Service Unavailable</html>"),
        (200, b'{"result": "not a set of ids"}'),  # breaks the contract
        (401, b'{"error": {"type": "Unauthorized"}}'),  # the tokens differ: a deployment bug
    ],
)
def test_answers_that_are_no_result_nor_domain_error_are_unavailable(
    monkeypatch, settings, status, body
):
    _recorded(monkeypatch, settings, status, body)
    with pytest.raises(FacadeUnavailable):
        client_for("directory").pros_competing(pro_id=1, other_pro_ids=[2])
