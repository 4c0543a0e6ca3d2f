"""French demo reviews for seed_demo: bulk inserts, aggregates computed once at the end.

Deterministic (seeded random) and idempotent: a pro that already has reviews gets none.
Reviews per pro follow a long tail (log-normal, median about 16): many pros have 0 to 3,
a few a thousand or more, the mean stays at 40 so ``--scale 1x`` (2,500 pros) passes
100,000 reviews; all over the last 24 months, a third of them answered. The default
(small) demo raises every pro to at least 40 published reviews, and so are the "detailed"
pros (the named demo companies) at every scale; they also get review photos through the
image pipeline, reviews waiting for moderation or reported, and invitations at every step
of the funnel.
"""

from __future__ import annotations

import json
import random
import secrets
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from io import BytesIO

from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from apps.core.documents import document_check
from apps.core.facade_ports import facade
from apps.core.images import image_process
from apps.directory.contracts import DirectoryFacade
from apps.reviews.aggregates import aggregates_rebuild
from apps.reviews.models import (
    EmailSuppression,
    InvitationPolicy,
    InvitationSource,
    ModerationAction,
    ModerationDecision,
    Review,
    ReviewInvitation,
    ReviewLabel,
    ReviewOptOut,
    ReviewPhoto,
    ReviewProof,
    ReviewReply,
    ReviewReport,
    ReviewSource,
    ReviewStatus,
    SuppressionReason,
)
from apps.reviews.rules import INVITATION_LIFETIME, email_hash, fold, text_fingerprint

directory: DirectoryFacade = facade("directory")

REVIEWS_PER_PRO_MEAN = 40
REVIEWS_PER_PRO_MEDIAN = 16
REVIEWS_PER_PRO_SIGMA = 1.3
REVIEWS_PER_PRO_MAX = 1_500
# The benchmark needs both ends of the tail whatever the scale: these ranks (0 = most
# reviewed) get exactly these counts, and a few pros exactly 3.
REVIEWS_PER_PRO_HEADLINERS = (1_400, 1_150, 1_000)
# What a demo shows on a profile: the named companies at every scale, and every pro of the
# default (small) demo, have at least this many published reviews. The 1x and 10x tails
# stay as drawn above: the benchmark needs their pros with 3 reviews.
DEMO_PRO_MIN_PUBLISHED = 40
# The pro whose back office the benchmark measures at scale (seed_demo's demo company).
LARGEST_PRO_REVIEWS = {"small": 0, "1x": 2_000, "10x": 20_000}
BATCH_PROS = 400

FIRST_NAMES = [
    "Marie",
    "Nathalie",
    "Isabelle",
    "Sylvie",
    "Catherine",
    "Françoise",
    "Christine",
    "Sandrine",
    "Valérie",
    "Sophie",
    "Céline",
    "Julie",
    "Aurélie",
    "Camille",
    "Léa",
    "Manon",
    "Chloé",
    "Emma",
    "Claire",
    "Hélène",
    "Anne",
    "Martine",
    "Monique",
    "Jean",
    "Pierre",
    "Michel",
    "Philippe",
    "Alain",
    "Patrick",
    "Nicolas",
    "Christophe",
    "Laurent",
    "Stéphane",
    "David",
    "Éric",
    "Frédéric",
    "Julien",
    "Sébastien",
    "Thomas",
    "Olivier",
    "Bruno",
    "Didier",
    "Hugo",
    "Lucas",
    "Antoine",
    "Mathieu",
    "Gérard",
    "Bernard",
    "Yves",
    "Jacques",
    "Paul",
    "Louis",
    "Arnaud",
    "Rémi",
    "Karim",
    "Samir",
    "Nadia",
    "Fatima",
    "Inès",
]
TRADE_KEYWORDS = {
    "facade": "facade",
    "toiture": "toiture",
    "charpente": "charpente",
    "menuiserie": "menuiserie",
    "store": "stores-et-fermetures",
    "portail": "portail-et-cloture",
    "piscine": "piscine",
    "veranda": "veranda",
    "plomberie": "plomberie",
    "chauffage": "chauffage",
    "energie": "pompe-a-chaleur",
    "clim": "climatisation",
    "electricite": "electricite",
    "solaire": "photovoltaique",
    "isolation": "isolation",
    "peinture": "peinture",
    "platrerie": "platrerie",
    "maconnerie": "maconnerie",
    "carrelage": "carrelage",
    "cuisine": "cuisine",
    "bain": "salle-de-bain",
    "serrurerie": "serrurerie",
    "jardin": "paysagiste",
    "assainissement": "assainissement",
    "renovation": "renovation-globale",
    "terrassement": "terrassement",
    "parquet": "parquet-et-sols",
}
WORKS = {
    "facade": ["Réfection façade", "Ravalement de façade", "Enduit et peinture de façade"],
    "isolation-exterieure": ["Isolation par l'extérieur", "ITE et enduit de finition"],
    "toiture": [
        "Réfection de toiture",
        "Remplacement des tuiles",
        "Réparation de fuite en toiture",
    ],
    "charpente": ["Traitement de charpente", "Charpente neuve pour extension"],
    "menuiserie": ["Pose de fenêtres PVC", "Remplacement des menuiseries"],
    "plomberie": ["Remplacement du chauffe-eau", "Réfection de la plomberie"],
    "chauffage": ["Remplacement de chaudière", "Entretien et dépannage chauffage"],
    "pompe-a-chaleur": ["Installation pompe à chaleur air/eau", "Pose d'une PAC"],
    "electricite": ["Mise aux normes électriques", "Rénovation du tableau électrique"],
    "photovoltaique": ["Pose de panneaux solaires", "Installation photovoltaïque 6 kWc"],
    "isolation": ["Isolation des combles", "Isolation des murs intérieurs"],
    "peinture": ["Peinture intérieure", "Peinture du séjour et des chambres"],
    "salle-de-bain": ["Rénovation salle de bain", "Douche à l'italienne"],
    "cuisine": ["Pose de cuisine équipée", "Rénovation de cuisine"],
    "carrelage": ["Pose de carrelage", "Carrelage de terrasse"],
    "maconnerie": ["Construction d'un muret", "Ouverture de mur porteur"],
    "paysagiste": ["Aménagement du jardin", "Création d'une terrasse paysagée"],
}
OPENINGS = {
    "good": [
        "Très satisfaits du travail réalisé.",
        "Excellent artisan, je recommande sans hésiter.",
        "Chantier mené de main de maître du début à la fin.",
        "Équipe sérieuse, ponctuelle et très professionnelle.",
        "Nous avons fait appel à cette entreprise sur les conseils d'un voisin "
        "et nous ne le regrettons pas.",
    ],
    "mixed": [
        "Résultat correct dans l'ensemble.",
        "Travail plutôt soigné mais quelques retards.",
        "Bon résultat final, la communication aurait pu être meilleure.",
    ],
    "bad": [
        "Expérience décevante.",
        "Chantier mal organisé et délais non tenus.",
        "Le résultat n'est pas à la hauteur du devis.",
    ],
}
MIDDLES = {
    "good": [
        "Le devis était clair et détaillé, sans mauvaise surprise à la facture.",
        "Les délais annoncés ont été respectés et le chantier laissé propre chaque soir.",
        "De bons conseils sur le choix des matériaux, adaptés à notre budget.",
        "L'équipe a protégé les abords et nettoyé avant de partir.",
        "Le chef de chantier nous a tenus informés à chaque étape.",
    ],
    "mixed": [
        "Il a fallu relancer plusieurs fois pour obtenir une date de démarrage.",
        "Quelques finitions ont dû être reprises, ce qui a été fait sans discuter.",
        "Le chantier a pris une semaine de plus que prévu à cause de la météo.",
    ],
    "bad": [
        "Plusieurs relances ont été nécessaires pour que les réserves soient levées.",
        "Des finitions bâclées qu'il a fallu faire reprendre.",
        "Le chantier a duré deux fois plus longtemps qu'annoncé.",
    ],
}
CLOSINGS = {
    "good": [
        "Nous referons appel à eux pour la suite des travaux.",
        "Un grand merci à toute l'équipe !",
        "Rapport qualité/prix excellent.",
        "Je recommande vivement.",
    ],
    "mixed": ["À voir pour de prochains travaux.", "Correct, sans plus."],
    "bad": ["Je ne recommande pas.", "Dommage, le potentiel était là."],
}
REPLIES = {
    "good": [
        "Merci beaucoup pour votre confiance et ce retour chaleureux, ce fut un plaisir "
        "de travailler chez vous.",
        "Toute l'équipe vous remercie ! N'hésitez pas à nous recontacter pour vos "
        "prochains projets.",
        "Merci pour votre avis, nous sommes ravis que le résultat vous plaise.",
    ],
    "mixed": [
        "Merci pour votre retour. Nous avons pris note de vos remarques sur les délais "
        "pour nous améliorer.",
    ],
    "bad": [
        "Nous regrettons que vous ne soyez pas satisfait. Nous vous avons proposé de "
        "revenir sur place pour reprendre les finitions ; notre proposition tient toujours.",
    ],
}
DEMO_IMPORTED_SHARE, DEMO_SPONTANEOUS_SHARE = 0.1, 0.2
CRITERIA_FIELDS = ("rating_quality", "rating_timeliness", "rating_cleanliness", "rating_value")
SPONTANEOUS_FLAGS, NO_FLAGS = json.dumps(["spontaneous"]), json.dumps([])


def _band(rating: int) -> str:
    return "good" if rating >= 4 else ("mixed" if rating == 3 else "bad")


STARS = (1, 2, 3, 4, 5)


@lru_cache(maxsize=65_536)
def _cumulative_weights(pro_id: int) -> tuple[float, ...]:
    """Most reviews are good, the better pros' more so: stable per pro."""
    shift = (pro_quality(pro_id) - 0.5) * 0.3
    base = [0.02, 0.03, 0.08, 0.27, 0.60]
    weights = [max(0.005, w - shift / 2) for w in base[:3]] + [base[3], base[4] + shift]
    total, running = 0.0, []
    for weight in weights:
        total += weight
        running.append(total)
    return tuple(running)


def _rating(rng: random.Random, pro_id: int) -> int:
    return rng.choices(STARS, cum_weights=_cumulative_weights(pro_id), k=1)[0]


def _category_for(pro_name: str, categories: dict[str, str], rng: random.Random) -> str:
    folded = fold(pro_name)
    for keyword, slug in TRADE_KEYWORDS.items():
        if keyword in folded and slug in categories:
            return slug
    return rng.choice(sorted(categories))


def _picture(rng: random.Random, name: str) -> SimpleUploadedFile:
    """A drawn work site (wall, roof, scaffolding): local, licence-free demo photos."""
    from PIL import Image, ImageDraw

    width, height = 900, 600
    image = Image.new("RGB", (width, height), (140 + rng.randint(0, 60), 185, 225))
    draw = ImageDraw.Draw(image)
    wall = (rng.randint(190, 240), rng.randint(170, 220), rng.randint(130, 190))
    left, top, right = rng.randint(60, 160), rng.randint(200, 280), width - rng.randint(60, 160)
    draw.rectangle([left, top, right, height - 50], fill=wall)
    draw.polygon(
        [(left - 25, top), ((left + right) // 2, top - 140), (right + 25, top)], fill=(160, 70, 45)
    )
    for x in range(left - 20, right + 20, 90):  # scaffolding
        draw.line([(x, top - 10), (x, height - 50)], fill=(90, 90, 90), width=5)
    for y in range(top + 30, height - 50, 110):
        draw.line([(left - 20, y), (right + 20, y)], fill=(90, 90, 90), width=5)
    draw.rectangle([0, height - 50, width, height], fill=(105, 145, 85))
    buffer = BytesIO()
    image.save(buffer, format="JPEG", quality=85)
    return SimpleUploadedFile(f"{name}.jpg", buffer.getvalue(), content_type="image/jpeg")


REVIEW_COLUMNS = (
    "pro_id",
    "source",
    "label",
    "status",
    "rating",
    "rating_quality",
    "rating_timeliness",
    "rating_cleanliness",
    "rating_value",
    "title",
    "body",
    "work_category_slug",
    "work_category_name",
    "work_date",
    "author_name",
    "author_email",
    "author_postcode",
    "author_commune",
    "text_fingerprint",
    "check_flags",
    "email_confirmed_at",
    "created_at",
    "published_at",
    "updated_at",
)


@lru_cache(maxsize=4096)
def _fingerprint(body: str) -> str:
    return text_fingerprint(body)


def _review_values(rng, *, pro, category_slug, category_name, now, index) -> dict:
    rating = _rating(rng, pro.id)
    band = _band(rating)
    published = now - timedelta(days=rng.randint(1, 700), minutes=rng.randint(0, 1440))
    titles = WORKS.get(category_slug) or [f"Travaux de {category_name.lower()}"]
    body = " ".join(
        [rng.choice(OPENINGS[band]), rng.choice(MIDDLES[band]), rng.choice(CLOSINGS[band])]
    )
    draw = rng.random()
    source = (
        "imported"
        if draw < DEMO_IMPORTED_SHARE
        else "spontaneous"
        if draw < DEMO_IMPORTED_SHARE + DEMO_SPONTANEOUS_SHARE
        else "invited"
    )
    criteria = dict.fromkeys(CRITERIA_FIELDS)
    if rng.random() < 0.6:
        criteria = {
            field: min(5, max(1, rating + rng.choice([-1, 0, 0, 0, 1])))
            for field in CRITERIA_FIELDS
        }
    name = rng.choice(FIRST_NAMES)
    return {
        "pro_id": pro.id,
        "source": source,
        # Invited reviews: half through Eldo's own invitations after a dispatched job
        # ("avis vérifié"), half collected by the pro; the rest are spontaneous.
        "label": ("verified" if index % 2 == 0 else "collected")
        if source == "invited"
        else "spontaneous",
        "status": "published",
        "rating": rating,
        **criteria,
        "title": rng.choice(titles),
        "body": body,
        "work_category_slug": category_slug,
        "work_category_name": category_name,
        "work_date": (published - timedelta(days=rng.randint(3, 40))).date(),
        "author_name": name,
        "author_email": f"{_ascii(name)}.{pro.id}.{index}@exemple.fr",
        "author_postcode": pro.postcode,
        "author_commune": pro.commune_name,
        "text_fingerprint": _fingerprint(body),
        "check_flags": SPONTANEOUS_FLAGS if source == "spontaneous" else NO_FLAGS,
        "email_confirmed_at": published,
        "created_at": published - timedelta(hours=rng.randint(1, 48)),
        "published_at": published,
        "updated_at": published,
    }


@lru_cache(maxsize=256)
def _ascii(name: str) -> str:
    return fold(name).replace(" ", "")


def _review(rng, **kwargs) -> Review:
    values = _review_values(rng, **kwargs)
    values.pop("updated_at")
    values["check_flags"] = json.loads(values["check_flags"])
    return Review(**values)


def _bulk_insert(table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
    """Plain multi-row inserts (COPY on PostgreSQL): the ORM's per-value preparation costs
    more than the database at 100,000 rows. Values are adapted by the backend's own ops."""
    if not rows:
        return
    ops = connection.ops
    names = ", ".join(ops.quote_name(c) for c in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {ops.quote_name(table)} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        placeholders = ", ".join(["%s"] * len(columns))
        # Names are our own model's table and columns, never input: no injection vector
        # (ruff S608, bandit B608); the values go through placeholders.
        sql = f"INSERT INTO {ops.quote_name(table)} ({names}) VALUES ({placeholders})"  # noqa: S608 # nosec B608
        cursor.executemany(sql, rows)


DEFER_INDEXES_FROM_ROWS = 50_000


@contextmanager
def secondary_indexes_deferred(table: str, *, rows: int):
    """On PostgreSQL, for a load of ``rows`` ≥ DEFER_INDEXES_FROM_ROWS: drop the table's
    secondary indexes (not the primary key nor the unique constraints), load, then build
    them again from their saved definitions, which costs less than maintaining them row by
    row. Inside the caller's transaction: a failed load restores them with the rollback.
    The table is locked meanwhile: for seeds and imports, not for a live site's writes."""
    if connection.vendor != "postgresql" or rows < DEFER_INDEXES_FROM_ROWS:
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT i.indexname, i.indexdef FROM pg_indexes i
               WHERE i.tablename = %s AND i.schemaname = current_schema()
                 AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)""",
            [table],
        )
        saved = cursor.fetchall()
        for name, _definition in saved:
            cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
    yield
    with connection.cursor() as cursor:
        # Django's foreign keys are DEFERRABLE INITIALLY DEFERRED: rows inserted meanwhile
        # (replies) left pending checks, and PostgreSQL builds no index on a table with
        # pending trigger events. Run the checks now, then defer them again.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for _name, definition in saved:
            cursor.execute(definition)
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def _adapters(columns: tuple[str, ...], sample: dict) -> list:
    """One conversion per column, chosen once: what the backend's ops would do per value
    (SQLite stores UTC datetimes and dates as text; PostgreSQL takes them as they are)."""
    sqlite = connection.vendor == "sqlite"

    def as_text_utc(value):
        return None if value is None else str(value.astimezone(UTC).replace(tzinfo=None))

    def as_text(value):
        return None if value is None else str(value)

    def keep(value):
        return value

    adapters = []
    for column in columns:
        value = sample.get(column)
        if isinstance(value, datetime):
            adapters.append(as_text_utc if sqlite else keep)
        elif isinstance(value, date):
            adapters.append(as_text if sqlite else keep)
        else:
            adapters.append(keep)
    return adapters


def _adapt(value):
    """A single value, through the backend's ops (for the few rows built one by one)."""
    ops = connection.ops
    if isinstance(value, datetime):
        return ops.adapt_datetimefield_value(value)
    if isinstance(value, date):
        return ops.adapt_datefield_value(value)
    return value


def pro_quality(pro_id: int) -> float:
    """A stable 0..1 "quality" per pro, so that pros differ in their ratings."""
    return random.Random(f"quality-{pro_id}").random()


def review_counts(rng: random.Random, n: int) -> list[int]:
    """Reviews per pro for ``n`` pros: log-normal, scaled to a mean of
    REVIEWS_PER_PRO_MEAN, headliners first, shuffled (deterministic for ``rng``)."""
    if n <= 0:
        return []
    draws = sorted(
        (
            min(REVIEWS_PER_PRO_MAX, rng.lognormvariate(0, REVIEWS_PER_PRO_SIGMA))
            * REVIEWS_PER_PRO_MEDIAN
            for _ in range(n)
        ),
        reverse=True,
    )
    fixed = list(REVIEWS_PER_PRO_HEADLINERS) if n >= 1_000 else []
    rest = draws[len(fixed) :]
    budget = max(0, REVIEWS_PER_PRO_MEAN * n - sum(fixed))
    factor = budget / sum(rest) if rest and sum(rest) else 0
    counts = fixed + [min(REVIEWS_PER_PRO_MAX - 100, round(d * factor)) for d in rest]
    for index in range(len(counts) - 1, max(len(fixed), len(counts) - 1 - n // 50), -1):
        counts[index] = 3  # a few pros with exactly three reviews
    head, tail = counts[: len(fixed)], counts[len(fixed) :]
    rng.shuffle(tail)
    return head + tail


def demo_seed(
    *,
    pros: dict[str, int],
    scale: str = "small",
    detailed: tuple[str, ...] = (),
    largest: str = "",
) -> dict:
    rng = random.Random(f"reviews-{scale}")
    categories = {c.slug: c.name for c in directory.categories()}
    if not categories or not pros:
        return {"reviews": 0, "pros": 0}
    already = set(
        Review.objects.filter(pro_id__in=list(pros.values()))
        .values_list("pro_id", flat=True)
        .distinct()
    )
    todo = {slug: pro_id for slug, pro_id in pros.items() if pro_id not in already}
    refs = directory.pros_by_ids(list(todo.values()))
    now = timezone.now()
    created = 0
    slugs = sorted(todo)
    # The headliners are the first pros in slug order that are not named demo companies.
    ordered = [s for s in slugs if s not in detailed] + [s for s in slugs if s in detailed]
    counts = dict(zip(ordered, review_counts(rng, len(ordered)), strict=True))
    floors = dict.fromkeys(slugs, DEMO_PRO_MIN_PUBLISHED) if scale == "small" else {}
    # _detailed() turns one published review of a named company into a reported one.
    floors.update(dict.fromkeys(detailed, DEMO_PRO_MIN_PUBLISHED + 1))
    if largest in counts:
        floors[largest] = max(floors.get(largest, 0), LARGEST_PRO_REVIEWS[scale])
    for slug, floor in floors.items():
        counts[slug] = max(counts.get(slug, 0), floor)
    adapters = None
    planned = sum(counts.get(slug, 0) for slug in slugs)
    with transaction.atomic(), secondary_indexes_deferred(Review._meta.db_table, rows=planned):
        for start in range(0, len(slugs), BATCH_PROS):
            rows: list[tuple] = []
            batch_ids = []
            for slug in slugs[start : start + BATCH_PROS]:
                pro = refs.get(todo[slug])
                if pro is None:
                    continue
                batch_ids.append(pro.id)
                category = _category_for(pro.name, categories, rng)
                for index in range(counts[slug]):
                    values = _review_values(
                        rng,
                        pro=pro,
                        category_slug=category,
                        category_name=categories[category],
                        now=now,
                        index=index,
                    )
                    if adapters is None:
                        adapters = _adapters(REVIEW_COLUMNS, values)
                    rows.append(
                        tuple(
                            adapt(values[c])
                            for adapt, c in zip(adapters, REVIEW_COLUMNS, strict=True)
                        )
                    )
            last_id = Review.objects.aggregate(last=Max("id"))["last"] or 0
            _bulk_insert(Review._meta.db_table, REVIEW_COLUMNS, rows)
            _replies(rng, pro_ids=batch_ids, refs=refs, after_id=last_id)
            created += len(rows)
        for slug in detailed:
            if slug in todo and todo[slug] in refs:
                _detailed(rng, pro=refs[todo[slug]], categories=categories, now=now)
    aggregates_rebuild(pro_ids=sorted(todo.values()))
    return {"reviews": created, "pros": len(todo)}


def _replies(rng, *, pro_ids: list[int], refs, after_id: int = 0) -> None:
    """A third of the reviews answered by their pro, a few days after publication."""
    rows = []
    # The rows just copied, found by primary key range: no index on pro_id alone is needed
    # (and the secondary ones may be deferred).
    stored = Review.objects.filter(id__gt=after_id, pro_id__in=pro_ids).order_by("id")
    for review_id, pro_id, rating, published in stored.values_list(
        "id", "pro_id", "rating", "published_at"
    ):
        if rng.random() < 0.35:
            rows.append(
                (
                    review_id,
                    refs[pro_id].organization_id,
                    rng.choice(REPLIES[_band(rating)]),
                    _adapt(published + timedelta(days=rng.randint(0, 6))),
                )
            )
    columns = ("review_id", "organization_id", "body", "created_at")
    _bulk_insert(ReviewReply._meta.db_table, columns, rows)


def _detailed(rng, *, pro, categories: dict[str, str], now: datetime) -> None:
    """Photos, moderation cases and the whole invitation funnel for a showcase pro."""
    reviews = list(
        Review.objects.filter(pro_id=pro.id, status=ReviewStatus.PUBLISHED).order_by(
            "-published_at"
        )[:40]
    )
    # Photos on the most recent reviews, through the same pipeline as uploads.
    for number, review in enumerate(reviews[:8]):
        for position in range(1 + number % 3):
            processed = image_process(upload=_picture(rng, f"{pro.slug}-{number}-{position}"))
            photo = ReviewPhoto(
                review=review, width=processed.width, height=processed.height, position=position
            )
            photo.image.save(processed.content.name, processed.content, save=False)
            photo.thumbnail.save(processed.thumbnail.name, processed.thumbnail, save=False)
            photo.save()

    # Invitations at every step: every invited review came from one, plus the open ones.
    category = _category_for(pro.name, categories, rng)
    work = (WORKS.get(category) or [f"Travaux de {categories[category].lower()}"])[0]
    invitations = []
    for review in reviews:
        if review.source == ReviewSource.INVITED:
            sent = review.created_at - timedelta(days=rng.randint(1, 9))
            invitations.append(
                (
                    review,
                    _invitation(
                        pro,
                        name=f"{review.author_name} {rng.choice(['Martin', 'Durand', 'Petit'])}",
                        email=review.author_email,
                        work=review.title,
                        work_date=review.work_date,
                        created=sent,
                        sent=sent,
                        opened=sent + timedelta(hours=5),
                        completed=review.created_at,
                        source=InvitationSource.ELDO
                        if review.label == ReviewLabel.VERIFIED
                        else InvitationSource.DEMO,
                    ),
                )
            )
    steps = [
        # (days ago, sent, opened, reminders, opted out)
        (0, False, False, 0, False),  # queued: the e-mail leaves in a moment
        (1, True, False, 0, False),  # sent
        (3, True, True, 0, False),  # opened, not written yet
        (9, True, False, 1, False),  # first reminder sent
        (16, True, True, 2, False),  # second reminder sent
        (12, True, False, 1, True),  # opted out
        (45, True, False, 2, False),  # expired
    ]
    open_ones = []
    for number, (days, sent, opened, reminders, opted_out) in enumerate(steps):
        created = now - timedelta(days=days, hours=2)
        customer = rng.choice(FIRST_NAMES)
        email = f"client.{fold(customer)}.{number}@exemple.fr"
        invitation = _invitation(
            pro,
            name=f"{customer} {rng.choice(['Bernard', 'Roux', 'Garcia', 'Faure'])}",
            email=email,
            work=work,
            work_date=(created - timedelta(days=20)).date(),
            created=created,
            sent=created if sent else None,
            opened=created + timedelta(days=1) if opened else None,
            completed=None,
        )
        invitation.reminders_sent = reminders
        invitation.last_reminded_at = created + timedelta(days=7 * reminders) if reminders else None
        open_ones.append(invitation)
        if opted_out:
            ReviewOptOut.objects.get_or_create(pro_id=pro.id, email_hash=email_hash(email))
    # An address in error: the provider reported a hard bounce, Eldo no longer writes to it.
    created = now - timedelta(days=5, hours=2)
    bounced = _invitation(
        pro,
        name="Gérard Martin",
        email=f"gerard.martin.{pro.id}@adresse-inconnue.exemple",
        work=work,
        work_date=(created - timedelta(days=20)).date(),
        created=created,
        sent=created,
        opened=None,
        completed=None,
    )
    bounced.bounced_at = created + timedelta(minutes=3)
    open_ones.append(bounced)
    ReviewInvitation.objects.bulk_create([i for _r, i in invitations] + open_ones)
    for review, invitation in invitations:
        Review.objects.filter(pk=review.pk).update(invitation=invitation)
    EmailSuppression.objects.get_or_create(
        email_hash=bounced.email_hash,
        defaults={
            "reason": SuppressionReason.BOUNCE,
            "pro_id": pro.id,
            "invitation": bounced,
            "detail": "550 5.1.1 adresse inconnue",
            "created_at": bounced.bounced_at,
        },
    )
    # Staff raised this company's daily quota of invitations (the admin's InvitationPolicy).
    InvitationPolicy.objects.get_or_create(
        organization_id=pro.organization_id, defaults={"daily_quota": 300}
    )

    # Moderation: two held reviews and one reported, with their audit log.
    held = []
    for number, flags in enumerate((["collected_first", "quick_answer"], ["spontaneous"])):
        review = _review(
            rng,
            pro=pro,
            category_slug=category,
            category_name=categories[category],
            now=now,
            index=1000 + number,
        )
        review.status, review.published_at = ReviewStatus.PENDING, None
        review.created_at = now - timedelta(hours=3 + number)
        review.source = ReviewSource.SPONTANEOUS if "spontaneous" in flags else ReviewSource.INVITED
        review.label = ReviewLabel.SPONTANEOUS if "spontaneous" in flags else ReviewLabel.COLLECTED
        review.check_flags = flags
        held.append(review)
    Review.objects.bulk_create(held)
    ModerationDecision.objects.bulk_create(
        ModerationDecision(
            review=review,
            action=ModerationAction.HOLD,
            reason=",".join(review.check_flags),
            to_status=ReviewStatus.PENDING,
            created_at=review.created_at,
        )
        for review in Review.objects.filter(pro_id=pro.id, status=ReviewStatus.PENDING)
    )
    reported = next((r for r in reviews if r.rating <= 3), reviews[-1] if reviews else None)
    if reported is not None:
        Review.objects.filter(pk=reported.pk).update(status=ReviewStatus.IN_DISPUTE)
        ReviewReport.objects.create(
            review=reported,
            organization_id=pro.organization_id,
            reason="not_a_customer",
            details="Nous ne retrouvons aucun chantier à ce nom dans nos dossiers.",
            created_at=now - timedelta(days=1),
        )
        ModerationDecision.objects.create(
            review=reported,
            action=ModerationAction.REPORTED,
            reason="not_a_customer",
            from_status=ReviewStatus.PUBLISHED,
            to_status=ReviewStatus.IN_DISPUTE,
        )
    # An invoice joined to a collected review, waiting for a moderator (private storage).
    proven = next((r for r in reviews if r.label == ReviewLabel.COLLECTED and r != reported), None)
    if proven is not None:
        _demo_proof(proven)


def _demo_proof(review: Review) -> None:
    from pypdf import PdfWriter

    writer, buffer = PdfWriter(), BytesIO()
    writer.add_blank_page(width=595, height=842)
    writer.add_metadata({"/Title": f"Facture (démonstration) — avis {review.pk}"})
    writer.write(buffer)
    checked = document_check(upload=BytesIO(buffer.getvalue()))
    name = storages["private"].save(f"reviews/proofs/{checked.content.name}", checked.content)
    ReviewProof.objects.create(
        review=review,
        file_name=name,
        content_type=checked.content_type,
        size=checked.size,
        sha256=checked.sha256,
    )


def _invitation(
    pro,
    *,
    name,
    email,
    work,
    work_date,
    created,
    sent,
    opened,
    completed,
    source=InvitationSource.DEMO,
):
    return ReviewInvitation(
        pro_id=pro.id,
        organization_id=pro.organization_id,
        customer_name=name,
        customer_email=email,
        email_hash=email_hash(email),
        work_description=work,
        work_date=work_date,
        nonce=secrets.token_hex(16),
        source=source,
        created_at=created,
        expires_at=created + INVITATION_LIFETIME,
        sent_at=sent,
        opened_at=opened,
        completed_at=completed,
    )
