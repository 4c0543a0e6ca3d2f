"""French demo data for the directory: realistic pros over real communes and trades.

Deterministic (seeded random) and idempotent: pros are keyed by slug, so running it again
adds nothing. Run by ``manage.py seed_demo_directory``, itself run by the composition root's
``seed_demo``.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from apps.directory.models import (
    Category,
    CertificationKind,
    CheckKind,
    CheckSource,
    CheckStatus,
    Commune,
    ProCheck,
    ProProfile,
    ProRating,
)
from apps.directory.services import categories_sync, pro_photo_add, pro_search_index_refresh
from apps.directory.validators import siret_with_checksum

SCALES = {"small": 60, "1x": 2_500, "10x": 25_000}

FAMILY_NAMES = [
    "Martin",
    "Bernard",
    "Dubois",
    "Thomas",
    "Robert",
    "Richard",
    "Petit",
    "Durand",
    "Leroy",
    "Moreau",
    "Simon",
    "Laurent",
    "Lefebvre",
    "Michel",
    "Garcia",
    "David",
    "Bertrand",
    "Roux",
    "Vincent",
    "Fournier",
    "Morel",
    "Girard",
    "André",
    "Mercier",
    "Dupont",
    "Lambert",
    "Bonnet",
    "François",
    "Martinez",
    "Legrand",
    "Garnier",
    "Faure",
    "Rousseau",
    "Blanc",
    "Guérin",
    "Muller",
    "Henry",
    "Roussel",
    "Nicolas",
    "Perrin",
    "Morin",
    "Mathieu",
    "Clément",
    "Gauthier",
    "Dumont",
    "Lopez",
    "Fontaine",
    "Chevalier",
    "Robin",
    "Masson",
    "Sanchez",
    "Fabre",
    "Vidal",
    "Castel",
    "Puig",
    "Estève",
    "Cazals",
    "Bousquet",
    "Marty",
    "Rouquette",
]
REGION_WORDS = [
    "du Midi",
    "Occitanes",
    "d'Aquitaine",
    "du Sud-Ouest",
    "Catalanes",
    "de Provence",
    "de l'Atlantique",
    "du Lauragais",
    "Méditerranée",
    "des Pyrénées",
    "de Bretagne",
    "d'Alsace",
]
FORMS = ["", "SARL ", "SAS ", "EURL ", "Ets "]
TRADE_WORDS = {
    "facade": "Façades",
    "toiture": "Toitures",
    "charpente": "Charpentes",
    "menuiserie": "Menuiserie",
    "stores-et-fermetures": "Stores et Fermetures",
    "portail-et-cloture": "Portails",
    "piscine": "Piscines",
    "veranda": "Vérandas",
    "plomberie": "Plomberie",
    "chauffage": "Chauffage",
    "pompe-a-chaleur": "Énergies",
    "climatisation": "Clim",
    "electricite": "Électricité",
    "photovoltaique": "Solaire",
    "isolation": "Isolation",
    "peinture": "Peinture",
    "platrerie": "Plâtrerie",
    "maconnerie": "Maçonnerie",
    "carrelage": "Carrelage",
    "cuisine": "Cuisines",
    "salle-de-bain": "Bains",
    "serrurerie": "Serrurerie",
    "paysagiste": "Jardins",
    "assainissement": "Assainissement",
    "renovation-globale": "Rénovation",
    "terrassement": "Terrassement",
    "parquet-et-sols": "Parquets",
    "isolation-exterieure": "Isolation",
}
CERTS_BY_TRADE = {
    "pompe-a-chaleur": ["qualipac", "rge"],
    "photovoltaique": ["qualipv", "rge"],
    "isolation": ["rge", "qualibat"],
    "isolation-exterieure": ["rge", "qualibat"],
    "electricite": ["qualifelec"],
    "chauffage": ["qualigaz", "rge"],
    "renovation-globale": ["rge", "qualibat", "handibat"],
    "salle-de-bain": ["handibat"],
}
STREET_KINDS = ["rue", "avenue", "chemin", "boulevard", "allée"]
STREET_NAMES = ["de la République", "Jean Jaurès", "des Artisans", "du Moulin", "Victor Hugo"]
DESCRIPTIONS = [
    "Entreprise familiale depuis {year}, nous intervenons pour les particuliers dans un rayon "
    "de {radius} km autour de {city}. Devis gratuit sous 48 heures, chantiers propres "
    "et délais tenus.",
    "Artisan {trade_lower} installé à {city}, je réalise vos travaux de A à Z : conseil, "
    "fourniture et pose. Garantie décennale, assurance et interlocuteur unique.",
    "Notre équipe de {headcount} compagnons réalise des chantiers de {trade_lower} soignés. "
    "Nous privilégions les matériaux durables et les fournisseurs locaux.",
]

DEMO_COMPANIES = [
    # slug, name, trades, insee, radius, departments, verified
    (
        "facades-du-midi",
        "Façades du Midi",
        ["facade", "isolation-exterieure", "peinture"],
        "31555",
        60,
        ["31", "81", "82"],
        True,
    ),
    (
        "toitures-occitanes",
        "Toitures Occitanes",
        ["toiture", "charpente", "isolation"],
        "66136",
        50,
        ["66", "11"],
        True,
    ),
]


def _demo_photo(rng: random.Random, name: str):
    """A drawn house front (sky, wall, roof, windows): local, license-free demo pictures."""
    from io import BytesIO

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image, ImageDraw

    width, height = 960, 640
    image = Image.new("RGB", (width, height), (150 + rng.randint(0, 60), 190, 230))
    draw = ImageDraw.Draw(image)
    wall = (rng.randint(200, 245), rng.randint(180, 225), rng.randint(140, 200))
    left, top = rng.randint(80, 200), rng.randint(220, 300)
    right = width - rng.randint(80, 200)
    draw.rectangle([left, top, right, height - 60], fill=wall)
    draw.polygon(
        [(left - 30, top), ((left + right) // 2, top - 150), (right + 30, top)], fill=(170, 70, 45)
    )
    for column in range(left + 40, right - 80, 140):
        for row in range(top + 40, height - 160, 130):
            draw.rectangle([column, row, column + 70, row + 90], fill=(60, 90, 120))
    draw.rectangle([0, height - 60, width, height], fill=(110, 150, 90))
    buffer = BytesIO()
    image.save(buffer, format="JPEG", quality=85)
    return SimpleUploadedFile(f"{name}.jpg", buffer.getvalue(), content_type="image/jpeg")


def _demo_checks(
    *, pro_id: int, slug: str, siret: str, named: bool, labels: list, today: date
) -> list[ProCheck]:
    """Vérifications Eldo of one demo pro. Most are verified; about one pro in twenty shows
    each other state (pending, refused, expired, not found) so every state can be seen. The
    named demo companies are fully verified (scenarios dispatch leads to them). A separate
    random stream keeps the rest of the demo data as it was."""
    rng = random.Random(f"checks:{slug}")
    checked = timezone.now() - timedelta(days=rng.randint(3, 200))
    verified = {"status": CheckStatus.VERIFIED, "checked_at": checked}
    odd = None if named else rng.choice([None] * 16 + ["pending", "refused", "expired", "absent"])
    rows = []
    for label, number, valid_until in labels:
        state = verified if valid_until >= today else {**verified, "status": CheckStatus.EXPIRED}
        if odd == "pending" and label != CertificationKind.RGE:
            state = {"status": CheckStatus.PENDING}
        rows.append(
            ProCheck(
                pro_id=pro_id,
                kind=CheckKind.LABEL,
                label=label,
                number=number,
                source=CheckSource.ADEME_RGE
                if label == CertificationKind.RGE
                else (CheckSource.SELF_DECLARED if odd == "pending" else CheckSource.STAFF),
                valid_from=valid_until - timedelta(days=4 * 365),
                valid_until=valid_until,
                **state,
            )
        )
    identity = {**verified, "source": CheckSource.SIRENE}
    if not named and rng.random() < 0.15:
        identity = {"status": CheckStatus.NOT_FOUND, "source": CheckSource.SIRENE}
    elif not named and rng.random() < 0.2:
        identity = {"status": CheckStatus.PENDING, "source": CheckSource.SELF_DECLARED}
    rows.append(ProCheck(pro_id=pro_id, kind=CheckKind.IDENTITY, number=siret, **identity))
    insurance = {
        **verified,
        "source": CheckSource.STAFF,
        "valid_from": today - timedelta(days=rng.randint(30, 300)),
        "valid_until": today + timedelta(days=rng.randint(20, 365)),
    }
    if odd == "pending":
        insurance = {**insurance, "status": CheckStatus.PENDING, "checked_at": None}
        insurance["source"] = CheckSource.SELF_DECLARED
    elif odd == "refused":
        insurance = {**insurance, "status": CheckStatus.REFUSED}
        insurance["reason"] = "Attestation illisible : envoyez le document de l'assureur."
    elif odd == "expired":
        insurance = {**insurance, "status": CheckStatus.EXPIRED}
        insurance["valid_until"] = today - timedelta(days=rng.randint(1, 60))
    if odd != "absent":
        rows.append(
            ProCheck(
                pro_id=pro_id,
                kind=CheckKind.INSURANCE,
                number=f"DEC-{rng.randint(100000, 999999)}",
                issuer=rng.choice(["SMABTP", "MAAF Pro", "AXA Entreprises", "MMA Pro"]),
                **insurance,
            )
        )
    if named or rng.random() < 0.7:
        rows.append(
            ProCheck(
                pro_id=pro_id,
                kind=CheckKind.MANAGER,
                source=CheckSource.STAFF,
                **verified,
            )
        )
    return rows


def _demo_insurance_trades(*, pro_ids: list[int]) -> None:
    """Each demo décennale covers every trade of its pro."""
    through = ProCheck.trades.through
    trades = ProProfile.categories.through.objects.filter(proprofile_id__in=pro_ids)
    by_pro: dict[int, list[int]] = {}
    for pro_id, category_id in trades.values_list("proprofile_id", "category_id"):
        by_pro.setdefault(pro_id, []).append(category_id)
    links = [
        through(procheck_id=check_id, category_id=category_id)
        for check_id, pro_id in ProCheck.objects.filter(
            pro_id__in=pro_ids, kind=CheckKind.INSURANCE
        ).values_list("id", "pro_id")
        for category_id in by_pro.get(pro_id, [])
    ]
    through.objects.bulk_create(links, batch_size=2000, ignore_conflicts=True)


def _commune_pool() -> list[tuple[Commune, float]]:
    """Communes weighted by population: a few dense cities, a long tail of villages."""
    communes = list(
        Commune.objects.filter(population__gte=2000, parent__isnull=True)
        .select_related("department")
        .only("insee_code", "name", "latitude", "longitude", "department_id", "population")
    )
    if not communes:
        communes = list(Commune.objects.select_related("department")[:500])
    return [(c, max(c.population, 1) ** 0.8) for c in communes]


@transaction.atomic
def _first_postcodes(communes) -> dict[str, str]:
    """INSEE code → the commune's first postcode, one query."""
    postcodes: dict[str, str] = {}
    for commune_code, code in (
        Commune.objects.filter(insee_code__in=[c.insee_code for c in communes])
        .values_list("insee_code", "postal_codes__code")
        .order_by("insee_code", "postal_codes__code")
    ):
        if code and commune_code not in postcodes:
            postcodes[commune_code] = code
    return postcodes


def _generated_spec(rng: random.Random, org_name: str, communes, weights) -> tuple:
    """A generated company's place, trades (the one its name says first), area and whether
    its identity is verified."""
    commune = rng.choices(communes, weights=weights, k=1)[0]
    named = [t for t, word in TRADE_WORDS.items() if word in org_name]
    main = named[0] if named else rng.choice(list(TRADE_WORDS))
    trade_slugs = [
        main,
        *rng.sample([t for t in TRADE_WORDS if t != main], k=rng.randint(0, 2)),
    ]
    radius = rng.choice([None, 20, 30, 40, 60])
    departments = [] if radius and rng.random() < 0.5 else [commune.department_id]
    verified = rng.random() < 0.6
    return commune, trade_slugs, radius, departments, verified


def _demo_labels(rng: random.Random, *, trade_slugs: list[str], today: date) -> list[tuple]:
    """The labels of a pro's trades (and Qualibat for some), 15 % of them expired."""
    kinds = {k for t in trade_slugs for k in CERTS_BY_TRADE.get(t, [])}
    if rng.random() < 0.4:
        kinds.add("qualibat")
    labels = []
    for kind in sorted(kinds):
        expired = rng.random() < 0.15
        valid_until = today + timedelta(
            days=rng.randint(-400, -1) if expired else rng.randint(30, 900)
        )
        labels.append(
            (
                CertificationKind(kind),
                f"{kind.upper()[:4]}-{rng.randint(10000, 99999)}",
                valid_until,
            )
        )
    return labels


def demo_pros_ensure(*, organizations: dict[str, tuple[int, str]]) -> dict[str, int]:
    """Create the demo pros of ``organizations`` (slug → (organization id, name))."""
    categories_sync()
    trades = {c.slug: c for c in Category.objects.all()}
    rng = random.Random(2026)
    today = date.today()
    existing = set(
        ProProfile.objects.filter(slug__in=list(organizations)).values_list("slug", flat=True)
    )
    pool = _commune_pool()
    communes, weights = zip(*pool, strict=True)
    postcodes = _first_postcodes(communes)

    specs = {company[0]: company[1:] for company in DEMO_COMPANIES}
    new_pros: list[ProProfile] = []
    plans: dict[str, dict] = {}
    for slug, (org_id, org_name) in organizations.items():
        if slug in existing:
            continue
        if slug in specs:
            name, trade_slugs, insee, radius, departments, verified = specs[slug]
            commune = Commune.objects.select_related("department").get(insee_code=insee)
        else:
            name = org_name
            commune, trade_slugs, radius, departments, verified = _generated_spec(
                rng, org_name, communes, weights
            )
        year = rng.randint(1975, today.year - 1)
        headcount = rng.choice([1, 2, 3, 5, 8, 12, 20, 35])
        trade_name = trades[trade_slugs[0]].name
        description = rng.choice(DESCRIPTIONS).format(
            year=year,
            radius=radius or 30,
            city=commune.name,
            trade_lower=trade_name.lower(),
            headcount=headcount,
        )
        pro = ProProfile(
            organization_id=org_id,
            name=name,
            slug=slug,
            siret=siret_with_checksum(
                f"{rng.randint(100_000_000, 999_999_999)}{rng.randint(1, 9999):04d}"
            ),
            description=description,
            address=f"{rng.randint(1, 120)} {rng.choice(STREET_KINDS)} {rng.choice(STREET_NAMES)}",
            commune=commune,
            postcode=postcodes.get(commune.insee_code)
            or commune.postal_codes.values_list("code", flat=True).first()
            or commune.insee_code,
            latitude=commune.latitude,
            longitude=commune.longitude,
            service_radius_km=radius,
            year_founded=year,
            headcount=headcount,
            phone=f"0{rng.choice([5, 4, 1])} {rng.randint(10, 99)} {rng.randint(10, 99)} "
            f"{rng.randint(10, 99)} {rng.randint(10, 99)}",
            website=f"https://www.{slug}.fr" if rng.random() < 0.5 else "",
            is_verified=verified,
            monthly_lead_cap=rng.choice([10, 20, 30]),
        )
        new_pros.append(pro)
        plans[slug] = {"trades": trade_slugs, "departments": departments}
    ProProfile.objects.bulk_create(new_pros, batch_size=1000)
    created = {
        p.slug: p.id for p in ProProfile.objects.filter(slug__in=list(plans)).only("id", "slug")
    }

    category_links, department_links, checks, ratings = [], [], [], []
    sirets = {p.slug: p.siret for p in new_pros}
    cat_through = ProProfile.categories.through
    dep_through = ProProfile.service_departments.through
    for slug, plan in plans.items():
        pro_id = created[slug]
        for trade in dict.fromkeys(plan["trades"]):
            category_links.append(cat_through(proprofile_id=pro_id, category_id=trades[trade].id))
        for code in plan["departments"]:
            department_links.append(dep_through(proprofile_id=pro_id, department_id=code))
        labels = _demo_labels(rng, trade_slugs=plan["trades"], today=today)
        checks.extend(
            _demo_checks(
                pro_id=pro_id,
                slug=slug,
                siret=sirets[slug],
                named=slug in specs,
                labels=labels,
                today=today,
            )
        )
        ratings.append(ProRating(pro_id=pro_id))
    cat_through.objects.bulk_create(category_links, batch_size=2000, ignore_conflicts=True)
    dep_through.objects.bulk_create(department_links, batch_size=2000, ignore_conflicts=True)
    ProCheck.objects.bulk_create(checks, batch_size=2000, ignore_conflicts=True)
    _demo_insurance_trades(pro_ids=list(created.values()))
    ProProfile.objects.filter(
        id__in=ProCheck.objects.filter(
            pro_id__in=list(created.values()),
            kind=CheckKind.IDENTITY,
            status=CheckStatus.VERIFIED,
        ).values("pro_id")
    ).update(is_verified=True)
    ProProfile.objects.filter(id__in=list(created.values())).exclude(
        id__in=ProCheck.objects.filter(kind=CheckKind.IDENTITY, status=CheckStatus.VERIFIED).values(
            "pro_id"
        )
    ).update(is_verified=False)
    ProRating.objects.bulk_create(ratings, batch_size=2000, ignore_conflicts=True)
    pro_search_index_refresh(pro_ids=list(created.values()))
    ProProfile.objects.filter(id__in=list(created.values())).update(updated_at=F("created_at"))
    for slug in specs:
        if slug in created:
            for index, caption in enumerate(
                ["Ravalement terminé", "Avant travaux", "Détail de finition"]
            ):
                pro_photo_add(
                    pro_id=created[slug],
                    upload=_demo_photo(rng, f"{slug}-{index}"),
                    caption=caption,
                )
    return created


def demo_pro_names(*, scale: str) -> list[tuple[str, str]]:
    """(slug, name) of the generated demo companies, deterministic for a scale."""
    rng = random.Random(f"names-{scale}")
    rows: list[tuple[str, str]] = []
    seen: set[str] = set()
    from django.utils.text import slugify

    while len(rows) < SCALES[scale]:
        trade = rng.choice(list(TRADE_WORDS.values()))
        pattern = rng.random()
        if pattern < 0.45:
            name = f"{rng.choice(FORMS)}{trade} {rng.choice(FAMILY_NAMES)}"
        elif pattern < 0.75:
            name = f"{trade} {rng.choice(REGION_WORDS)}"
        else:
            name = f"{rng.choice(FAMILY_NAMES)} {trade}"
        slug = slugify(name)
        if slug in seen:
            slug = f"{slug}-{len(rows)}"
        seen.add(slug)
        rows.append((slug, name.strip()))
    return rows


def demo_company_names(*, scale: str) -> list[tuple[str, str]]:
    """(slug, name) of the demo companies to create at ``scale``, the two named ones first."""
    return [(c[0], c[1]) for c in DEMO_COMPANIES] + demo_pro_names(scale=scale)


def demo_seed(*, scale: str) -> dict[str, int]:
    """The demo companies' organizations (accounts context) and pro profiles at ``scale``;
    returns the pros created by this run (slug → pro id), none the second time."""
    from apps.accounts import api as accounts

    companies = demo_company_names(scale=scale)
    organization_ids = accounts.organizations_bulk_ensure(
        [(slug, name, "company") for slug, name in companies]
    )
    return demo_pros_ensure(
        organizations={slug: (organization_ids[slug], name) for slug, name in companies}
    )


# Invented manufacturers (no real trademark): slug (also their organization's), name, the
# trade whose pros become their certified installers, their trades, tagline, description,
# product families.
DEMO_BRANDS = [
    (
        "solvea-chaleur",
        "Solvéa Chaleur",
        "pompe-a-chaleur",
        ["pompe-a-chaleur", "chauffage"],
        "Pompes à chaleur conçues et assemblées en France",
        "Solvéa Chaleur fabrique des pompes à chaleur air/eau et air/air pour la maison "
        "individuelle. Ses installateurs certifiés sont formés à la pose, à la mise en service "
        "et à l'entretien de ses appareils.",
        ["Pompes à chaleur air/eau", "Pompes à chaleur air/air", "Ballons thermodynamiques"],
    ),
    (
        "vitralis-fenetres",
        "Vitralis Fenêtres",
        "menuiserie",
        ["menuiserie", "stores-et-fermetures"],
        "Fenêtres et portes-fenêtres sur mesure",
        "Vitralis fabrique des fenêtres PVC, aluminium et bois sur mesure, posées par un réseau "
        "d'installateurs certifiés qui garantissent l'étanchéité de la pose.",
        ["Fenêtres PVC", "Fenêtres aluminium", "Portes-fenêtres et baies coulissantes"],
    ),
    (
        "tuilerie-des-coteaux",
        "Tuilerie des Coteaux",
        "toiture",
        ["toiture", "charpente"],
        "Tuiles en terre cuite du Sud-Ouest",
        "La Tuilerie des Coteaux produit des tuiles canal, romanes et plates en terre cuite. "
        "Ses couvreurs certifiés connaissent ses gammes et leurs règles de pose.",
        ["Tuiles canal", "Tuiles romanes", "Tuiles plates", "Accessoires de faîtage"],
    ),
]
BRAND_DEPARTMENTS = 8  # the départements with most pros of the trade…
BRAND_PER_DEPARTMENT = 2  # …and that many certified installers in each


def demo_brands_seed() -> dict[str, list[int]]:
    """The demo brands' pages and their certified installers (published pros of the brand's
    trade, a few per département across several départements); idempotent. The brands'
    organizations come from seed_demo_accounts. Returns brand slug → installer pro ids."""
    from collections import defaultdict

    from apps.accounts import api as accounts
    from apps.directory.brands import brand_changed
    from apps.directory.models import Brand, ProNetwork

    org_ids = accounts.organization_ids_by_slugs([b[0] for b in DEMO_BRANDS])
    installers: dict[str, list[int]] = {}
    with transaction.atomic():
        for slug, name, trade, trades, tagline, description, families in DEMO_BRANDS:
            if slug not in org_ids:
                continue
            brand, _created = Brand.objects.update_or_create(
                slug=slug,
                defaults={
                    "organization_id": org_ids[slug],
                    "name": name,
                    "tagline": tagline,
                    "description": description,
                    "product_families": families,
                    "is_published": True,
                },
            )
            brand.categories.set(Category.objects.filter(slug__in=trades))
            by_department: dict[str, list[int]] = defaultdict(list)
            rows = (
                ProProfile.categories.through.objects.filter(
                    category__slug=trade, proprofile__is_published=True
                )
                .order_by("proprofile_id")
                .values_list("proprofile_id", "proprofile__commune__department_id")
            )
            for pro_id, department in rows:
                by_department[department].append(pro_id)
            busiest = sorted(by_department, key=lambda d: (-len(by_department[d]), d))
            chosen = [
                pro_id
                for department in busiest[:BRAND_DEPARTMENTS]
                for pro_id in by_department[department][:BRAND_PER_DEPARTMENT]
            ]
            ProNetwork.objects.bulk_create(
                [ProNetwork(pro_id=p, network_id=org_ids[slug]) for p in chosen],
                ignore_conflicts=True,
            )
            installers[slug] = sorted(
                ProNetwork.objects.filter(network_id=org_ids[slug]).values_list("pro_id", flat=True)
            )
        transaction.on_commit(brand_changed)
    return installers
