"""The back office's organization switch, request side: ?org= and the session."""

from types import SimpleNamespace

from django.test import RequestFactory

from apps.core.backoffice import SESSION_KEY, backoffice_context_of


def _request(path: str, *, remembered=None, user_id=5):
    request = RequestFactory().get(path)
    request.user = SimpleNamespace(pk=user_id, is_authenticated=True)
    request.session = {} if remembered is None else {SESSION_KEY: remembered}
    return request


def _facade(calls: list, granted: set[int]):
    """Stands for accounts' backoffice_context: grants the first member organization."""

    def context_for(*, user_id, requested_org_id, remembered_org_id, section):
        calls.append((user_id, requested_org_id, remembered_org_id, section))
        chosen = next((o for o in (requested_org_id, remembered_org_id) if o in granted), 1)
        return {"backoffice_org": SimpleNamespace(organization_id=chosen)}

    return context_for


def test_a_granted_switch_is_remembered_for_the_session():
    calls: list = []
    request = _request("/espace-pro/?org=3", remembered=2)
    context = backoffice_context_of(request, _facade(calls, {2, 3}), section="leads")
    assert context["backoffice_org"].organization_id == 3
    assert calls == [(5, 3, 2, "leads")]
    assert request.session[SESSION_KEY] == 3


def test_a_refused_or_malformed_switch_changes_nothing():
    for query in ("?org=9", "?org=abc", "?org=-1", "?org=99999999999999999999999", ""):
        calls: list = []
        request = _request(f"/espace-pro/{query}", remembered=2)
        context = backoffice_context_of(request, _facade(calls, {2}), section="leads")
        assert context["backoffice_org"].organization_id == 2
        assert request.session == {SESSION_KEY: 2}
        assert calls[0][1] in (None, 9)
