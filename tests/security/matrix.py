"""The authorization matrix: every API endpoint and every page × every role, with the status
each role gets. It drives tests/security/test_authorization.py and is rendered to
docs/authorization.md (``python -m tests.security.matrix > docs/authorization.md``).

Columns, in order: anonymous, homeowner, pro owner, pro manager, pro sales rep, member of
another company, network manager, partner (a manufacturer's API account), advisor,
moderator, staff (superuser). The objects named in a URL (review, lead, invitation, quote
reference, organization, member) belong to the pro company "Façades du Midi" (slug
``facades-du-midi``); its sales rep is the member and the assignee of the lead.

Reading the codes: 302 on a page for anonymous is the redirect to the login page; an object
or back-office area of another organization is 404, never 403 (its existence is not
confirmed); role-gated areas answer 403 (API) or 404 (advisor console, staff pages); 409 is
an authorized request refused by the object's state (the quote is already dispatched);
400/415 are authorized requests whose body is refused (what the row sends is on purpose).
"""

from __future__ import annotations

from dataclasses import dataclass

ROLES = (
    "anonymous",
    "homeowner",
    "pro_owner",
    "pro_manager",
    "pro_sales_rep",
    "other_pro",
    "network_manager",
    "partner",
    "advisor",
    "moderator",
    "staff",
)
ROLE_TITLES = (
    "anon.",
    "homeowner",
    "owner",
    "manager",
    "sales rep",
    "other co.",
    "network",
    "partner",
    "advisor",
    "moderator",
    "staff",
)


@dataclass(frozen=True)
class Row:
    method: str
    route: str  # as the URL resolver writes it; "?..." adds a query string
    expected: tuple[int, ...]  # one status per role, in ROLES order
    body: str | None = None  # a key of BODIES
    why: str = ""

    @property
    def api(self) -> bool:
        return self.route.startswith("api/")

    @property
    def pattern(self) -> str:
        return self.route.split("?", 1)[0]

    def expect(self, role: str) -> int:
        return self.expected[ROLES.index(role)]


BODIES = {
    "login": {"email": "inconnu@exemple.fr", "password": "pas-le-bon-mot"},
    "refresh": {"refresh": "pas.un.jeton"},
    "verify": {"token": "pas.un.jeton"},
    "password": {"current_password": "pas-le-bon-mot", "new_password": "Un-nouveau-mot-2026"},
    "role": {"role": "manager"},
    "team_invite": {"email": "nouvelle.recrue@exemple.fr", "role": "sales_rep"},
    "reply": {"body": "Merci pour ce retour, au plaisir de vous revoir."},
    "report": {"reason": "abusive", "details": "Propos injurieux envers notre équipe."},
    "decision": {"decision": "reject", "reason": "off_topic"},
    "proof_decision": {"decision": "accept"},
    "review_request": {
        "customer_name": "Jean Client",
        "customer_email": "jean.client@exemple.fr",
        "work_description": "Ravalement",
        "work_date": "2026-09-01",
    },
    "call": {"outcome": "reached", "notes": "Rappel effectué"},
    "reject": {"reason": "out_of_scope"},
    "dispatch": {"pros": ["facades-du-midi"]},
    "note": {"note": "Client rappelé mardi."},
    "inbound": {
        "external_id": "ext-1",
        "category": "facade",
        "postcode": "31000",
        "first_name": "Marc",
        "email": "marc@exemple.fr",
        "phone": "0612345678",
        "description": "Ravalement de façade d'une maison.",
    },
    "quote": {
        "category": "facade",
        "description": "Ravalement complet de la façade d'une maison de 120 m².",
        "postcode": "31000",
        "first_name": "Luce",
        "email": "nouvelle.demande@exemple.fr",
        "phone": "06 12 34 56 78",
        "consent": True,
    },
    "review": {
        "pro": "facades-du-midi",
        "rating": 5,
        "title": "Réfection façade",
        "body": "Chantier propre, délais tenus, enduit impeccable : nous sommes ravis.",
        "author_name": "Philippe",
        "author_email": "nouvel.avis@exemple.fr",
        "author_postcode": "31000",
        "work_category": "facade",
        "work_date": "2026-09-01",
    },
    "push_bad": {
        "endpoint": "https://attaquant.example.com/push",
        "keys": {"p256dh": "BAAA", "auth": "AAAA"},
    },
    "push_remove": {"endpoint": "https://fcm.googleapis.com/fcm/send/inconnu"},
    "empty": {},
}


def _codes(spec: str) -> tuple[int, ...]:
    codes = tuple(int(code) for code in spec.split())
    assert len(codes) == len(ROLES), spec
    return codes


ALL = {code: _codes(f"{code} " * len(ROLES)) for code in (200, 302, 401, 404, 410)}
SIGNED_IN = _codes("401 200 200 200 200 200 200 200 200 200 200")
ADVISORS = _codes("401 403 403 403 403 403 403 403 200 403 200")
MODERATORS = _codes("401 403 403 403 403 403 403 403 403 200 200")
CONSOLE = _codes("404 404 404 404 404 404 404 404 200 404 200")
BACK_OFFICE = _codes("302 404 200 200 200 200 404 404 404 404 404")
MODERATION_PAGES = _codes("302 403 403 403 403 403 403 403 403 200 200")
STAFF_API = _codes("401 403 403 403 403 403 403 403 403 403 200")
STAFF_PAGES = _codes("404 404 404 404 404 404 404 404 404 404 200")


def r(method: str, route: str, expected, body: str | None = None, why: str = "") -> Row:
    if isinstance(expected, str):
        expected = _codes(expected)
    return Row(method, route, expected, body, why)


MATRIX: list[Row] = [
    # --- API: authentication and account -------------------------------------------------
    r("POST", "api/v1/auth/token/", ALL[401], "login", "public; wrong credentials → 401"),
    r("POST", "api/v1/auth/token/refresh/", ALL[401], "refresh", "public; bad token → 401"),
    r("POST", "api/v1/auth/token/verify/", ALL[401], "verify", "public; bad token → 401"),
    r("POST", "api/v1/auth/logout/", ALL[401], "refresh", "public; bad token → 401"),
    r("GET", "api/v1/auth/me/", SIGNED_IN),
    r("POST", "api/v1/auth/password/", "401" + " 400" * 10, "password", "wrong current one"),
    r("DELETE", "api/v1/me/", "401" + " 400" * 10, None, "erasure wants the password"),
    r("GET", "api/v1/me/data-export/", SIGNED_IN, why="one's own data only"),
    r("GET", "api/v1/me/notifications/", SIGNED_IN, why="one's own preferences only"),
    r("PATCH", "api/v1/me/notifications/", SIGNED_IN, "empty", "nothing to change"),
    r(
        "POST",
        "api/v1/me/push-subscriptions/",
        "401" + " 400" * 10,
        "push_bad",
        "an endpoint outside the known push services",
    ),
    r(
        "POST",
        "api/v1/me/push-subscriptions/remove/",
        "401" + " 204" * 10,
        "push_remove",
        "only one's own devices are removed (idempotent)",
    ),
    # --- API: team of an organization ---------------------------------------------------
    r(
        "GET",
        "api/v1/organizations/<id:organization_id>/members/",
        "401 404 200 200 200 404 404 404 404 404 200",
        why="members and staff",
    ),
    r(
        "PATCH",
        "api/v1/organizations/<id:organization_id>/members/<id:user_id>/",
        "401 404 200 200 403 404 404 404 404 404 200",
        "role",
        "owner or manager",
    ),
    r(
        "DELETE",
        "api/v1/organizations/<id:organization_id>/members/<id:user_id>/",
        "401 404 204 204 403 404 404 404 404 404 204",
        why="owner or manager",
    ),
    r(
        "GET",
        "api/v1/organizations/<id:organization_id>/invitations/",
        "401 404 200 200 403 404 404 404 404 404 200",
        why="owner or manager",
    ),
    r(
        "POST",
        "api/v1/organizations/<id:organization_id>/invitations/",
        "401 404 201 201 403 404 404 404 404 404 201",
        "team_invite",
        "owner or manager",
    ),
    r(
        "DELETE",
        "api/v1/organizations/<id:organization_id>/invitations/<id:invitation_id>/",
        "401 404 204 204 403 404 404 404 404 404 204",
        why="owner or manager",
    ),
    # --- API: directory (public) ----------------------------------------------------------
    r("GET", "api/v1/categories/", ALL[200]),
    r("GET", "api/v1/communes/?q=toul", ALL[200], why="autocomplete"),
    r("GET", "api/v1/pros/", ALL[200]),
    r("GET", "api/v1/pros/<slug:slug>/", ALL[200]),
    r("GET", "api/v1/pros/<slug:slug>/badge/", ALL[200], why="widget data"),
    r("GET", "api/v1/pros/<slug:slug>/reviews/", ALL[200]),
    # --- API: reviews ---------------------------------------------------------------------
    r("POST", "api/v1/reviews/", "201" + " 201" * 10, "review", "public, throttled"),
    r("GET", "api/v1/reviews/latest/", ALL[200]),
    r(
        "POST",
        "api/v1/reviews/<id:review_id>/reply/",
        "401 404 201 201 201 404 404 404 404 404 404",
        "reply",
        "members of the reviewed pro",
    ),
    r(
        "POST",
        "api/v1/reviews/<id:review_id>/report/",
        "401" + " 201" * 10,
        "report",
        "any signed-in user; the review stays online until a moderator decides",
    ),
    r("GET", "avis/justificatif/<str:token>/", ALL[404], why="the author's signed link only"),
    r("POST", "avis/justificatif/<str:token>/", ALL[404], "empty", "the author's signed link only"),
    r(
        "POST",
        "api/v1/reviews/<id:review_id>/proof/",
        ALL[404],
        "empty",
        "only the review's author, with the proof token of the link they received",
    ),
    # --- API: Eldo staff's verification queue (docs/verification.md) ---------------------
    r("GET", "api/v1/verifications/", STAFF_API),
    r(
        "POST",
        "api/v1/verifications/<id:check_id>/decision/",
        (*STAFF_API[:-1], 400),
        "empty",
        "staff only; a decision is required",
    ),
    r(
        "GET",
        "api/v1/verifications/<id:check_id>/document/",
        (*STAFF_API[:-1], 404),
        why="staff only; this check has no document (served to staff: apps/directory/tests)",
    ),
    r("GET", "api/v1/moderation/reviews/", MODERATORS),
    r("POST", "api/v1/moderation/reviews/<id:review_id>/decision/", MODERATORS, "decision"),
    r(
        "POST",
        "api/v1/moderation/reviews/<id:review_id>/proofs/<id:proof_id>/decision/",
        "401 403 403 403 403 403 403 403 403 404 404",
        "proof_decision",
        "moderators (the world has no proof: 404 for them)",
    ),
    r(
        "GET",
        "api/v1/moderation/reviews/<id:review_id>/proofs/<id:proof_id>/file/",
        "401 403 403 403 403 403 403 403 403 404 404",
        why="private document, moderators only",
    ),
    r(
        "GET",
        "api/v1/review-requests/",
        "401 403 200 200 200 200 403 403 403 403 200",
        why="pro members: their own company's invitations only",
    ),
    r(
        "POST",
        "api/v1/review-requests/",
        "401 403 201 201 201 201 403 403 403 403 400",
        "review_request",
        "staff must name the pro",
    ),
    r(
        "POST",
        "api/v1/review-requests/bulk/",
        "401 403 415 415 403 415 403 403 403 403 415",
        "empty",
        "owners and managers (not sales reps), then the body must be a CSV upload",
    ),
    r("GET", "api/v1/review-requests/funnel/", "401 403 200 200 200 200 403 403 403 403 200"),
    r(
        "POST",
        "api/v1/review-requests/email-events/",
        " ".join(["403"] * len(ROLES)),
        "empty",
        "the e-mail provider only: HMAC signature of the body, whoever is signed in",
    ),
    r(
        "POST",
        "api/v1/review-requests/email-events/brevo/",
        " ".join(["403"] * len(ROLES)),
        "empty",
        "the e-mail provider only: bearer token (Brevo's webhook), whoever is signed in",
    ),
    r(
        "POST",
        "api/v1/review-requests/sms-events/",
        " ".join(["403"] * len(ROLES)),
        "empty",
        "the SMS provider only (STOP replies): HMAC signature of the body",
    ),
    r(
        "GET",
        "api/v1/review-requests/<id:invitation_id>/",
        "401 403 200 200 200 404 403 403 403 403 200",
    ),
    # --- API: quotes ----------------------------------------------------------------------
    r("GET", "api/v1/quotes/", ADVISORS),
    r("POST", "api/v1/quotes/", "201" + " 201" * 10, "quote", "public, throttled"),
    r("GET", "api/v1/quotes/<str:reference>/", ADVISORS),
    r(
        "POST",
        "api/v1/quotes/<str:reference>/claim/",
        "401 403 403 403 403 403 403 403 409 403 409",
        "empty",
        "already dispatched",
    ),
    r(
        "POST",
        "api/v1/quotes/<str:reference>/calls/",
        "401 403 403 403 403 403 403 403 409 403 409",
        "call",
        "already dispatched",
    ),
    r(
        "POST",
        "api/v1/quotes/<str:reference>/qualify/",
        "401 403 403 403 403 403 403 403 409 403 409",
        "empty",
        "already dispatched",
    ),
    r(
        "POST",
        "api/v1/quotes/<str:reference>/reject/",
        "401 403 403 403 403 403 403 403 409 403 409",
        "reject",
        "already dispatched",
    ),
    r("GET", "api/v1/quotes/<str:reference>/matches/", ADVISORS),
    r("POST", "api/v1/quotes/<str:reference>/dispatch/", ADVISORS, "dispatch", "idempotent"),
    # --- API: leads -----------------------------------------------------------------------
    r("GET", "api/v1/leads/", SIGNED_IN, why="each sees only its own (empty list otherwise)"),
    r("GET", "api/v1/leads/<id:lead_id>/", "401 404 200 200 200 404 404 404 200 404 200"),
    r(
        "PATCH",
        "api/v1/leads/<id:lead_id>/",
        "401 404 200 200 200 404 404 404 403 404 200",
        "note",
        "the pro works its lead; an advisor reads it but reassigns instead",
    ),
    r(
        "POST",
        "api/v1/leads/<id:lead_id>/reassign/",
        "401 404 403 403 403 404 404 404 201 404 201",
        "empty",
        "advisors",
    ),
    r(
        "POST",
        "api/v1/review-requests/tool/",
        ALL[401],
        "review_request",
        "a company's API key only, never a session, a JWT or a partner's key",
    ),
    r(
        "POST",
        "api/v1/leads/inbound/",
        "401 403 403 403 403 403 201 202 403 403 403",
        "inbound",
        "network/manufacturer accounts (the partner's has no installer: 202, queued à router)",
    ),
    r("GET", "api/v1/network/rules/", "401 403 403 403 403 403 200 200 403 403 403"),
    r(
        "POST",
        "api/v1/network/rules/",
        "401 403 403 403 403 403 400 400 403 403 403",
        "empty",
        "networks and manufacturers; an empty body names no pro",
    ),
    r(
        "GET",
        "api/v1/network/rules/preview/",
        "401 403 403 403 403 403 400 400 403 403 403",
        why="no trade nor postcode given: 400 by field",
    ),
    r(
        "PATCH",
        "api/v1/network/rules/<id:rule_id>/",
        "401 403 403 403 403 403 200 404 403 403 403",
        "empty",
        "the network's own rule; another's is not found",
    ),
    r(
        "DELETE",
        "api/v1/network/rules/<id:rule_id>/",
        "401 403 403 403 403 403 204 404 403 403 403",
    ),
    # --- API: statistics ------------------------------------------------------------------
    r(
        "GET",
        "api/v1/stats/pros/<slug:slug>/",
        "401 404 200 200 403 404 404 404 200 200 200",
        why="owner, manager and Eldo staff",
    ),
    r("GET", "api/v1/stats/pros/<slug:slug>/team/", "401 404 200 200 200 404 404 404 200 200 200"),
    r(
        "GET",
        "api/v1/stats/networks/<id:network_id>/",
        "401 404 404 404 404 404 200 404 200 200 200",
        why="the network's managers and staff",
    ),
    # --- API schema and docs --------------------------------------------------------------
    r("GET", "api/schema/", ALL[200]),
    r("GET", "api/docs/", ALL[200]),
    r("GET", ".well-known/jwks.json", ALL[200], why="public keys of the API tokens"),
    # --- Operations -----------------------------------------------------------------------
    r("GET", "healthz", ALL[200]),
    r("GET", "readyz", ALL[200]),
    r("GET", "metrics", ALL[200], why="gateway keeps it internal (docs/deploy.md)"),
    r(
        "POST",
        "internal/facades/<slug:context>/<slug:function>",
        ALL[404],
        why="facades over HTTP: nothing served without FACADES_TOKEN; never routed by the gateway",
    ),
    # --- Public pages ---------------------------------------------------------------------
    r("GET", "", ALL[200]),
    r("GET", "robots.txt", ALL[200]),
    r("GET", "sw.js", ALL[200], why="the Web Push service worker, scope /"),
    r("GET", "sitemap.xml", ALL[200]),
    r("GET", "sitemap-<section>.xml", ALL[200]),
    r("GET", "pro/<slug:slug>/", ALL[200]),
    r("GET", "pro/<slug:slug>/donner-mon-avis/", ALL[200]),
    r("GET", "avis/laisser/<slug:slug>/", ALL[200], why="the pro's permanent review link"),
    r("GET", "pro/<slug:slug>/telephone/", ALL[200], why="counted reveal of the phone"),
    r("GET", "pro/<slug:slug>/site-web/", ALL[302], why="counted redirect to the pro's site"),
    r("GET", "widget/<slug:slug>/", ALL[200], why="embeddable on any site"),
    r("GET", "artisans/", ALL[200]),
    r("GET", "artisans/<slug:category_slug>/", ALL[200]),
    r("GET", "artisans/<slug:category_slug>/<slug:commune_slug>/", ALL[200]),
    r("GET", "marques/", ALL[200], why="the brands (manufacturers) and their installers"),
    r(
        "GET",
        "marques/<slug:slug>/",
        ALL[404],
        why="the slug is a pro's, no brand's; a published brand's page is public to all",
    ),
    r("GET", "avis/", ALL[200]),
    r("GET", "avis/comment-ca-marche/", ALL[200]),
    r("GET", "avis/merci/<slug:outcome>/", ALL[200]),
    r("GET", "avis/invitation/<str:token>/", ALL[404], why="unknown token"),
    r("GET", "avis/i/<str:token>/", ALL[404], why="the invitation SMS's short link; unknown code"),
    r("GET", "avis/desinscription/<str:token>/", ALL[404], why="unknown token"),
    r(
        "GET",
        "avis/resume-hebdomadaire/desinscription/<str:token>/",
        ALL[404],
        why="the weekly digest's signed opt-out link; unknown token",
    ),
    r("GET", "avis/confirmation/<str:token>/", ALL[404], why="unknown token"),
    r("GET", "mentions-legales/", ALL[200]),
    r("GET", "conditions-generales/", ALL[200]),
    r("GET", "confidentialite/", ALL[200]),
    r("GET", "cookies/", ALL[200]),
    r("GET", "vous-etes-artisan/", ALL[200], why="the pro offer"),
    r("GET", "devis/", ALL[200]),
    r("GET", "rappel/", ALL[200]),
    r("GET", "devis/envoyee/<str:token>/", ALL[404], why="unknown token"),
    r("GET", "devis/suivi/<str:token>/", ALL[404], why="unknown token"),
    r("GET", "devis/contact-artisan/<str:token>/", ALL[404], why="unknown token"),
    r(
        "POST",
        "devis/contact-artisan/<str:token>/",
        ALL[404],
        "empty",
        "the homeowner's answer, with the signed link of its e-mail only",
    ),
    r("GET", "equipe/invitation/<str:token>/", ALL[410], why="unknown or expired token"),
    r("GET", "connexion/", "200" + " 302" * 10, why="signed in: sent on"),
    r("POST", "deconnexion/", ALL[302], "empty"),
    # --- Account pages --------------------------------------------------------------------
    r("GET", "mot-de-passe-oublie/", ALL[200]),
    r("GET", "mot-de-passe-oublie/envoye/", ALL[200], why="same page whatever the address"),
    r("GET", "mot-de-passe-oublie/<uidb64>/<token>/", ALL[410], why="unknown or used link"),
    r("GET", "mot-de-passe-oublie/termine/", ALL[200]),
    r("GET", "mon-compte/", "302" + " 200" * 10),
    # --- Pro sign-up and "Revendiquer ma fiche" (apps/directory/signup.py) ------------------
    r("GET", "inscription-pro/", ALL[200], why="public sign-up form"),
    r(
        "GET",
        "inscription-pro/revendiquer/<slug:slug>/",
        "302" + " 200" * 10,
        why="signed in; shows only masked contacts, membership needs the code sent to them",
    ),
    r(
        "GET",
        "equipe/revendications/<id:claim_id>/justificatif/",
        ALL[404],
        why="Eldo staff only (the world has no claim: 404 for them too)",
    ),
    r(
        "GET",
        "inscription-pro/en-attente/",
        "302 404 200 200 200 200 404 404 404 404 404",
        why="members of a company: its own profile's state",
    ),
    # --- The homeowner's space: a person's own requests and reviews (verified address) -----
    r("GET", "connexion/lien/<str:token>/", ALL[410], why="unknown magic link: clear page"),
    r("POST", "connexion/lien/<str:token>/", ALL[410], "empty", "unknown link: nothing changes"),
    r("GET", "mes-projets/", "302" + " 200" * 10, why="one's own requests only"),
    r(
        "POST",
        "mes-projets/verifier-mon-adresse/",
        ALL[302],
        "empty",
        "a link to one's own address only",
    ),
    r(
        "POST",
        "mes-projets/<id:quote_id>/autre-artisan/",
        "302" + " 404" * 10,
        "empty",
        "only the homeowner whose verified address made the request",
    ),
    r(
        "POST",
        "mes-projets/<id:quote_id>/cloturer/",
        "302" + " 404" * 10,
        "empty",
        "only the homeowner whose verified address made the request",
    ),
    r("GET", "mes-avis/", "302" + " 200" * 10, why="one's own reviews only"),
    r(
        "POST",
        "mes-avis/<id:review_id>/retirer/",
        "302" + " 404" * 10,
        "empty",
        "only the review's author",
    ),
    r("GET", "api/v1/me/quotes/", SIGNED_IN, why="one's own requests only (verified address)"),
    r("GET", "api/v1/me/reviews/", SIGNED_IN, why="one's own reviews only"),
    r(
        "POST",
        "api/v1/me/reviews/<id:review_id>/withdraw/",
        "401" + " 404" * 10,
        "empty",
        "only the review's author",
    ),
    r("GET", "mon-compte/double-authentification/", "302" + " 200" * 10, why="enrol or verify"),
    r("GET", "mon-compte/mot-de-passe/", "302" + " 200" * 10),
    r("GET", "mon-compte/adresse-e-mail/", "302" + " 200" * 10),
    r("GET", "mon-compte/adresse-e-mail/confirmer/<str:token>/", ALL[410], why="unknown token"),
    r("GET", "mon-compte/donnees/", "302" + " 200" * 10),
    r("GET", "mon-compte/donnees/telecharger/", "302" + " 200" * 10),
    r("GET", "eldo/journal/", "404 404 404 404 404 404 404 404 404 404 200", why="audit log"),
    r(
        "GET",
        "eldo/composants/",
        "404 404 404 404 404 404 404 404 200 200 200",
        why="component catalogue: Eldo staff (is_staff), or anyone in DEBUG",
    ),
    # --- Pro back office ------------------------------------------------------------------
    r(
        "GET",
        "espace-pro/",
        "302 404 200 200 200 200 302 302 404 404 404",
        why="each company sees its own; a network or manufacturer is sent to its own space",
    ),
    r("GET", "espace-pro/profil/", BACK_OFFICE),
    r("GET", "espace-pro/equipe/", BACK_OFFICE),
    r("GET", "espace-pro/notifications/", BACK_OFFICE, why="one's own preferences"),
    r(
        "POST",
        "espace-pro/notifications/",
        "302 404 302 302 302 302 404 404 404 404 404",
        "empty",
        "all channels off is a valid choice",
    ),
    r("GET", "espace-pro/avis/", BACK_OFFICE),
    r("GET", "espace-pro/avis/widget/", BACK_OFFICE, why="the widget configurator, any member"),
    r("GET", "espace-pro/invitations/", BACK_OFFICE),
    r("GET", "espace-pro/invitations/entonnoir/", BACK_OFFICE, why="one's own company's funnel"),
    r("GET", "espace-pro/invitations/entonnoir/export.csv", BACK_OFFICE),
    r("GET", "espace-pro/invitations/lien-permanent/", BACK_OFFICE, why="one's own company's link"),
    r(
        "GET",
        "espace-pro/invitations/cles-api/",
        "302 404 200 200 404 200 404 404 404 404 404",
        why="owners and managers: their company's keys for its own tool",
    ),
    r(
        "POST",
        "espace-pro/invitations/cles-api/",
        "302 404 400 400 404 400 404 404 404 404 404",
        "empty",
        "owners and managers create a key (shown once); the empty form is refused",
    ),
    r(
        "POST",
        "espace-pro/invitations/cles-api/<str:prefix>/revoquer/",
        "302 404 404 404 404 404 404 404 404 404 404",
        why="the company's own key only; another organization's is not found",
    ),
    r("GET", "espace-pro/invitations/delais/", BACK_OFFICE),
    r(
        "POST",
        "espace-pro/invitations/delais/",
        "302 404 400 400 404 400 404 404 404 404 404",
        "empty",
        "owners and managers: form errors",
    ),
    r("GET", "espace-pro/invitations/lien-permanent/qr-code.png", BACK_OFFICE),
    r("GET", "espace-pro/invitations/lien-permanent/qr-code.svg", BACK_OFFICE),
    r("GET", "espace-pro/invitations/lien-permanent/flyer.pdf", BACK_OFFICE),
    r("GET", "espace-pro/demandes/", BACK_OFFICE),
    r("GET", "espace-pro/demandes/export.csv", BACK_OFFICE, why="the inbox as CSV, own leads"),
    r(
        "POST",
        "espace-pro/demandes/actions/",
        "302 404 400 400 404 400 404 404 404 404 404",
        "empty",
        "bulk actions: owners and managers of the company; no action chosen → 400",
    ),
    r("GET", "espace-pro/demandes/<id:lead_id>/", "302 404 200 200 200 404 404 404 404 404 404"),
    r(
        "POST",
        "espace-pro/demandes/<id:lead_id>/",
        "302 404 302 302 302 404 404 404 404 404 404",
        "note",
    ),
    r(
        "POST",
        "espace-pro/demandes/<id:lead_id>/travaux-termines/",
        "302 404 302 302 302 404 404 404 404 404 404",
        "empty",
        "end-of-work date: members of the receiving company (a bad date: a French message)",
    ),
    r(
        "POST",
        "espace-pro/avis/<id:review_id>/repondre/",
        "302 404 302 302 302 404 404 404 404 404 404",
        "reply",
        "members of the reviewed pro",
    ),
    r(
        "POST",
        "espace-pro/avis/<id:review_id>/signaler/",
        "302 404 302 302 302 302 404 404 404 404 404",
        "report",
        "any pro member may report a public review (as in the API)",
    ),
    r(
        "POST",
        "espace-pro/invitations/inviter/",
        "302 404 400 400 400 400 404 404 404 404 404",
        "empty",
        "form errors",
    ),
    r(
        "POST",
        "espace-pro/invitations/importer/",
        "302 404 400 400 404 400 404 404 404 404 404",
        "empty",
        "owners and managers (not sales reps): form errors",
    ),
    r(
        "POST",
        "espace-pro/invitations/<id:invitation_id>/adresse-en-erreur/",
        "302 404 302 302 302 404 404 404 404 404 404",
        None,
        "any member of the invitation's company; stops mail to that address",
    ),
    r("GET", "espace-pro/reseau/", "302 404 404 404 404 404 200 200 404 404 404"),
    r(
        "GET",
        "espace-pro/reseau/a-router/<id:unrouted_id>/",
        "302 404 404 404 404 404 200 404 404 404 404",
        why="a waiting lead of the network's own and the installers it may go to",
    ),
    r(
        "POST",
        "espace-pro/reseau/a-router/<id:unrouted_id>/",
        "302 404 404 404 404 404 400 404 404 404 404",
        why="the network hands a waiting lead to one of its installers (none chosen: 400)",
    ),
    r(
        "POST",
        "espace-pro/reseau/demandes/<id:lead_id>/reattribuer/",
        "302 404 404 404 404 404 404 404 404 404 404",
        why="a network's own inbound lead only (the world's lead is a pro's: not found)",
    ),
    r("GET", "espace-pro/reseau/cles-api/", "302 404 404 404 404 404 200 200 404 404 404"),
    r(
        "POST",
        "espace-pro/reseau/cles-api/",
        "302 404 404 404 404 404 400 400 404 404 404",
        why="a network creates its own key (shown once); the empty form is refused",
    ),
    r(
        "POST",
        "espace-pro/reseau/cles-api/<str:prefix>/revoquer/",
        "302 404 404 404 404 404 302 404 404 404 404",
        why="the network's own key; another's is not found",
    ),
    r("GET", "espace-pro/reseau/webhooks/", "302 404 404 404 404 404 200 200 404 404 404"),
    r(
        "POST",
        "espace-pro/reseau/webhooks/",
        "302 404 404 404 404 404 400 400 404 404 404",
        why="a network adds its own webhook (secret shown once); the empty form is refused",
    ),
    r(
        "POST",
        "espace-pro/reseau/webhooks/<id:endpoint_id>/activer/",
        "302 404 404 404 404 404 302 404 404 404 404",
        why="the network's own webhook; another's is not found",
    ),
    r(
        "POST",
        "espace-pro/reseau/webhooks/<id:endpoint_id>/supprimer/",
        "302 404 404 404 404 404 302 404 404 404 404",
        why="the network's own webhook; another's is not found",
    ),
    r(
        "POST",
        "espace-pro/reseau/webhooks/livraisons/<id:delivery_id>/rejouer/",
        "302 404 404 404 404 404 302 404 404 404 404",
        why="the network's own failed delivery; another's is not found",
    ),
    r("GET", "espace-pro/reseau/regles/", "302 404 404 404 404 404 200 200 404 404 404"),
    r(
        "POST",
        "espace-pro/reseau/regles/",
        "302 404 404 404 404 404 400 400 404 404 404",
        None,
        "the network adds an installer; the empty form is refused",
    ),
    r(
        "GET",
        "espace-pro/reseau/regles/<id:rule_id>/",
        "302 404 404 404 404 404 200 404 404 404 404",
        why="a rule of the network's own; another network's rule is not found",
    ),
    r(
        "POST",
        "espace-pro/reseau/regles/<id:rule_id>/",
        "302 404 404 404 404 404 302 404 404 404 404",
    ),
    r(
        "POST",
        "espace-pro/reseau/regles/<id:rule_id>/pause/",
        "302 404 404 404 404 404 302 404 404 404 404",
        why="pause or resume one of the network's rules",
    ),
    r("GET", "espace-pro/reseau/demandes/", "302 404 404 404 404 404 200 200 404 404 404"),
    r("GET", "espace-pro/statistiques/", "302 404 200 200 200 200 200 200 404 404 404"),
    r("GET", "espace-pro/statistiques/export.csv", "302 404 200 200 200 200 200 200 404 404 404"),
    r(
        "GET",
        "espace-pro/statistiques/marque.csv",
        "302 404 404 404 404 404 404 200 404 404 404",
        why="a brand's page views and requests: its own managers only",
    ),
    # --- Moderation -----------------------------------------------------------------------
    r("GET", "moderation/avis/", MODERATION_PAGES),
    r("GET", "moderation/avis/<id:review_id>/", MODERATION_PAGES),
    r("POST", "moderation/avis/<id:review_id>/", MODERATION_PAGES, "empty", "form errors"),
    # --- Verification queue (Eldo staff; 404 to anyone else, like the console) -------------
    r("GET", "equipe/verifications/", STAFF_PAGES),
    r("GET", "equipe/verifications/<id:check_id>/", STAFF_PAGES),
    r(
        "POST",
        "equipe/verifications/<id:check_id>/",
        (*STAFF_PAGES[:-1], 400),
        "empty",
        "form errors",
    ),
    r(
        "GET",
        "equipe/verifications/<id:check_id>/document/",
        ALL[404],
        why="staff only; this check has no document (served to staff: apps/directory/tests)",
    ),
    # --- Advisor console (404 to anyone else: the console's existence is not advertised) ---
    r("GET", "conseiller/demandes/", CONSOLE),
    r("GET", "conseiller/demandes/<str:reference>/", CONSOLE),
    r(
        "POST",
        "conseiller/demandes/<str:reference>/prendre/",
        "404 404 404 404 404 404 404 404 409 404 409",
        "empty",
        "already dispatched",
    ),
    r("POST", "conseiller/demandes/<str:reference>/appel/", CONSOLE, "empty", "form errors"),
    r("POST", "conseiller/demandes/<str:reference>/qualifier/", CONSOLE, "empty"),
    r("POST", "conseiller/demandes/<str:reference>/refuser/", CONSOLE, "empty"),
    r("POST", "conseiller/demandes/<str:reference>/transmettre/", CONSOLE, "empty"),
    r("GET", "conseiller/transmissions/", CONSOLE),
    r("GET", "conseiller/transmissions/<id:lead_id>/", CONSOLE),
    r(
        "POST",
        "conseiller/transmissions/<id:lead_id>/reattribuer/",
        "404 404 404 404 404 404 404 404 302 404 302",
        "empty",
    ),
    r("GET", "conseiller/statistiques/", "404 404 404 404 404 404 404 404 200 200 200"),
    r("GET", "conseiller/statistiques/export.csv", "404 404 404 404 404 404 404 404 200 200 200"),
    # --- Django admin (staff session; advisors and moderators are staff with few rights) ---
    r(
        "GET",
        "admin/",
        "302 302 302 302 302 302 302 302 200 200 200",
        why="the rest of /admin/ is Django's, behind the same staff check",
    ),
]


def render_markdown() -> str:
    lines = [
        "# Authorization matrix",
        "",
        "Generated from `tests/security/matrix.py` (`python -m tests.security.matrix >",
        "docs/authorization.md`); `tests/security/test_authorization.py` requests every row",
        "as every role and fails when a status differs, when a URL has no row, or when this",
        "file is out of date. How to read the codes: see the module's docstring, summarised",
        "in [reliability.md](reliability.md#security).",
        "",
        "| method | path | " + " | ".join(ROLE_TITLES) + " | note |",
        "|---|---|" + "---|" * len(ROLES) + "---|",
    ]
    for row in MATRIX:
        codes = " | ".join(str(code) for code in row.expected)
        lines.append(f"| {row.method} | `/{row.route}` | {codes} | {row.why} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(render_markdown(), end="")
