"""Places as people type them: "Paris 11e", "Lyon 3", "Marseille 13008", "St Etienne",
"Lyonn", "Aix" (which one?).

An in-memory gazetteer built once per process from the same files `load_geography` loads
(apps/directory/data/*.csv.gz, see docs/data-sources.md): 35,000 communes fit in a few
megabytes and answer a typo or an ambiguous name without a query. Every answer is a
`Place`, the value the search filters on; ambiguous names come with their alternatives,
most populous first ("Aix-en-Provence (13) ou Aix (19) ?").
"""

from __future__ import annotations

import csv
import difflib
import gzip
import re
import threading
from array import array
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from apps.directory.geography import commune_slug, department_slug
from apps.directory.text import fold

DATA_DIR = Path(__file__).resolve().parent / "data"
# Typos are looked for among the communes of at least this population: where most people
# live, and few enough names for a quick fuzzy match.
FUZZY_MIN_POPULATION = 1000
FUZZY_CUTOFF = 0.82
# Inside a free-text query a word may be a company's name ("Martin" is not Martinet).
# and only the larger towns are worth the guess.
FUZZY_CUTOFF_IN_QUERY = 0.87
FUZZY_MIN_POPULATION_IN_QUERY = 20000
MAX_ALTERNATIVES = 4

_ABBREVIATIONS = {"st": "saint", "ste": "sainte", "sts": "saints", "stes": "saintes"}
# Words people put before or after a place: "à Lyon", "près de Nantes", "Lyon et environs".
_LEADING = (
    "du cote de",
    "autour de",
    "pres de",
    "proche de",
    "proche",
    "pres",
    "dans le",
    "dans la",
    "dans les",
    "dans",
    "secteur",
    "region",
    "ville de",
    "vers",
    "sur",
    "a",
    "en",
)
_TRAILING = ("et environs", "et alentours", "environs", "alentours", "et autour", "france")
_ARRONDISSEMENT = re.compile(
    r"^(paris|lyon|marseille)\s+(\d{1,2})\s*(e|er|eme|ieme|em|ere|me)?(\s+(arrondissement|arr|ardt))?$"
)
_NAME_POSTCODE = re.compile(r"^(?:(\D+?)\s+)?(\d{5})(?:\s+(\D+))?$")
_DEPARTMENT_CODE = re.compile(r"^(\d{2}|2a|2b|97\d)$")
# "Lyon (69)", "Saint-Denis 93": a name and its département, as the suggestions show them.
_NAME_DEPARTMENT = re.compile(r"^(\D+?)\s+(\d{2}|2a|2b|97\d)$")


@dataclass(frozen=True)
class Place:
    """Where the work is: a postcode, a commune or a département."""

    kind: str  # postcode | commune | department
    label: str
    slug: str
    department_codes: tuple[str, ...]
    latitude: float | None = None
    longitude: float | None = None
    population: int = 0

    @property
    def name(self) -> str:
        """The label without its "(31)" or "(31000)"."""
        return self.label.split(" (")[0]


@dataclass(frozen=True)
class PlaceResolution:
    """The place understood, and the others the words may have meant (most populous
    first); ``place`` is None when nothing matched."""

    place: Place | None
    alternatives: tuple[Place, ...] = ()


@dataclass(frozen=True, slots=True)
class _Commune:
    """One commune, read from the gazetteer's columns when a lookup needs it."""

    insee_code: str
    name: str
    key: str  # folded, "st" spelled out
    slug: str
    department_code: str
    parent_insee_code: str
    population: int
    latitude: float
    longitude: float

    def place(self) -> Place:
        return Place(
            kind="commune",
            label=f"{self.name} ({self.department_code})",
            slug=self.slug,
            department_codes=(self.department_code,),
            latitude=self.latitude,
            longitude=self.longitude,
            population=self.population,
        )


def place_key(text: str) -> str:
    """Folded, with "st"/"ste" spelled out: "St-Étienne" and "saint etienne" meet."""
    return " ".join(_ABBREVIATIONS.get(word, word) for word in fold(text).split())


def _read(name: str) -> Iterator[dict[str, str]]:
    """The rows one at a time: the whole file as dicts would be ~40 MB that a worker's
    allocator keeps once freed."""
    with gzip.open(DATA_DIR / name, "rt", encoding="utf-8", newline="") as handle:
        yield from csv.DictReader(handle)


class Gazetteer:
    """Every commune in columns (strings, and arrays of numbers) indexed by position:
    about 13 MB in a worker where one object per commune, with its floats and tuples,
    took 25 MB, and reading the file as a list of dicts 20 more at its peak."""

    def __init__(
        self, communes: Iterable[Mapping[str, str]], departments: Iterable[Mapping[str, str]]
    ):
        insee_codes = self._read_communes(communes)
        self._keep_suffixed_slugs(insee_codes)
        # INSEE codes are five characters: one string for all of them.
        self.insee = "".join(insee_codes)
        assert len(self.insee) == 5 * len(insee_codes), "an INSEE code is five characters"
        cities = set(self.parents.values())
        self.cities = {code: i for i, code in enumerate(insee_codes) if code in cities}
        del insee_codes
        self._read_departments(departments)
        self._index_arrondissements()
        # Sorted keys for prefix lookups; fuzzy candidates grouped by first letter.
        self.sorted_keys = sorted(self.by_key)
        self.fuzzy: dict[str, list[str]] = defaultdict(list)
        for key, group in self.by_key.items():
            first = group[0]
            if self.populations[first] >= FUZZY_MIN_POPULATION and first not in self.parents:
                self.fuzzy[key[0]].append(key)
        for key in self.department_by_key:
            self.fuzzy[key[0]].append(key)

    def _read_communes(self, communes: Iterable[Mapping[str, str]]) -> list[str]:
        """Fill the columns and the name / postcode indexes; the INSEE codes, in order."""
        insee_codes: list[str] = []
        self.names: list[str] = []
        self.keys: list[str] = []
        self.department_codes: list[str] = []
        self.parents: dict[int, str] = {}  # the arrondissements' cities, by position
        self.populations = array("l")
        self.latitudes = array("d")
        self.longitudes = array("d")
        by_key: dict[str, list[int]] = defaultdict(list)
        by_postcode: dict[str, list[int]] = defaultdict(list)
        shared: dict[str, str] = {}  # one string per département code
        for position, row in enumerate(communes):
            key = place_key(row["name"])
            keys = by_key.get(key)
            if keys:  # the dict's own string: one copy per name
                key = self.keys[keys[0]]
            insee_codes.append(row["insee_code"])
            self.names.append(row["name"])
            self.keys.append(key)
            self.department_codes.append(
                shared.setdefault(row["department_code"], row["department_code"])
            )
            if row.get("parent_insee_code"):
                self.parents[position] = row["parent_insee_code"]
            self.populations.append(int(row["population"] or 0))
            self.latitudes.append(float(row["latitude"]))
            self.longitudes.append(float(row["longitude"]))
            by_key[key].append(position)
            for postcode in row["postcodes"].split():
                by_postcode[postcode].append(position)

        def ranked(group: list[int]) -> tuple[int, ...]:
            return tuple(sorted(group, key=lambda i: (-self.populations[i], insee_codes[i])))

        self.by_key: dict[str, tuple[int, ...]] = {k: ranked(g) for k, g in by_key.items()}
        self.by_postcode: dict[str, tuple[int, ...]] = {
            k: ranked(g) for k, g in by_postcode.items()
        }
        return insee_codes

    def _keep_suffixed_slugs(self, insee_codes: list[str]) -> None:
        """A slug is computed when asked; only the few that a repeated name suffixes with
        the INSEE code are kept."""
        from apps.directory.management.commands.load_geography import commune_slugs

        slugs = commune_slugs(
            {"insee_code": code, "name": name, "department_code": department}
            for code, name, department in zip(
                insee_codes, self.names, self.department_codes, strict=True
            )
        )
        self.suffixed_slugs = {
            position: slugs[code]
            for position, code in enumerate(insee_codes)
            if not slugs[code].endswith(f"-{self.department_codes[position].lower()}")
        }

    def _read_departments(self, departments: Iterable[Mapping[str, str]]) -> None:
        self.departments: dict[str, Place] = {}
        self.department_by_key: dict[str, str] = {}
        for row in departments:
            code = row["code"]
            self.departments[code] = Place(
                kind="department",
                label=f"{row['name']} ({code})",
                slug=department_slug(row["name"]),
                department_codes=(code,),
            )
            self.department_by_key[place_key(row["name"])] = code

    def _index_arrondissements(self) -> None:
        """Arrondissements of Paris, Lyon and Marseille by (city, number)."""
        self.arrondissements: dict[tuple[str, int], int] = {}
        for position, parent_code in self.parents.items():
            parent = self.cities.get(parent_code)
            number = re.match(r"^\D+(\d+)", self.names[position])
            if parent is not None and number:
                self.arrondissements[(self.keys[parent], int(number.group(1)))] = position

    def insee_code(self, position: int) -> str:
        return self.insee[5 * position : 5 * position + 5]

    def slug(self, position: int) -> str:
        suffixed = self.suffixed_slugs.get(position)
        if suffixed:
            return suffixed
        return commune_slug(self.names[position], self.department_codes[position])

    def commune(self, position: int) -> _Commune:
        return _Commune(
            insee_code=self.insee_code(position),
            name=self.names[position],
            key=self.keys[position],
            slug=self.slug(position),
            department_code=self.department_codes[position],
            parent_insee_code=self.parents.get(position, ""),
            population=self.populations[position],
            latitude=self.latitudes[position],
            longitude=self.longitudes[position],
        )

    def _group(self, positions: tuple[int, ...]) -> list[_Commune]:
        return [self.commune(position) for position in positions]

    # -- lookups ---------------------------------------------------------------------

    def _prefixed(self, key: str, *, limit: int = 200, boundary: bool = True) -> list[_Commune]:
        """Communes whose name starts with ``key`` (followed by a space if ``boundary``)."""
        import bisect

        found: list[_Commune] = []
        start = bisect.bisect_left(self.sorted_keys, key)
        for candidate in self.sorted_keys[start : start + limit]:
            if not candidate.startswith(key):
                break
            if not boundary or candidate == key or candidate[len(key)] == " ":
                found.extend(
                    self._group(tuple(i for i in self.by_key[candidate] if i not in self.parents))
                )
        return found

    def _postcode(self, code: str, name: str = "") -> PlaceResolution:
        communes = self._group(self.by_postcode.get(code, ()))
        if not communes:
            return PlaceResolution(None)
        # 75011 is Paris 11e: the city that also lists it is the arrondissement's parent.
        parents = {c.parent_insee_code for c in communes if c.parent_insee_code}
        communes = [c for c in communes if c.insee_code not in parents]
        if name:
            key = place_key(name)
            named = [c for c in communes if c.key == key]
            # "Marseille 13008": the arrondissement the postcode names.
            if not named and parents and self.keys[self.cities[min(parents)]] == key:
                named = communes
            if named:
                return PlaceResolution(named[0].place())
        main = communes[0]
        if main.parent_insee_code or len(communes) == 1:
            return PlaceResolution(
                Place(
                    kind="postcode",
                    label=f"{main.name} ({code})",
                    slug=code,
                    department_codes=(main.department_code,),
                    latitude=main.latitude,
                    longitude=main.longitude,
                    population=main.population,
                )
            )
        return PlaceResolution(
            Place(
                kind="postcode",
                label=f"{main.name} et environs ({code})",
                slug=code,
                department_codes=tuple(sorted({c.department_code for c in communes})),
                latitude=main.latitude,
                longitude=main.longitude,
                population=main.population,
            )
        )

    def _named(self, key: str, *, prefix: bool) -> PlaceResolution:
        exact = [c for c in self._group(self.by_key.get(key, ())) if not c.parent_insee_code]
        department_code = self.department_by_key.get(key)
        candidates: list[Place] = [c.place() for c in exact]
        if department_code and not exact:
            candidates.append(self.departments[department_code])
        if prefix or exact:
            top = exact[0].population if exact else 0
            # "Aix": Aix-en-Provence and Aix-les-Bains are far larger than Aix (19).
            larger = [c for c in self._prefixed(key) if c.key != key and c.population > top]
            larger = [c for c in larger if c.population >= FUZZY_MIN_POPULATION]
            # The exact name stays among the choices: "Aix-en-Provence (13) ou Aix (19) ?"
            larger.sort(key=lambda c: -c.population)
            candidates += [c.place() for c in larger[: max(1, MAX_ALTERNATIVES - len(exact))]]
        if department_code and exact and exact[0].department_code != department_code:
            candidates.append(self.departments[department_code])
        if not candidates:
            return PlaceResolution(None)
        communes = sorted(
            (p for p in candidates if p.kind == "commune"), key=lambda p: -p.population
        )
        departments = [p for p in candidates if p.kind != "commune"]
        # "Gironde" is the département before Gironde-sur-Dropt; "Paris" the city.
        ordered = departments + communes if not exact else communes + departments
        return PlaceResolution(ordered[0], tuple(ordered[1 : 1 + MAX_ALTERNATIVES]))

    def resolve(self, text: str, *, lenient: bool = True, prefix: bool = True) -> PlaceResolution:
        """``lenient``: also typos (and, with ``prefix``, the start of a name being typed);
        otherwise exact names and codes only (words that may be a company's name)."""
        key = _strip(place_key(text or ""))
        if not key:
            return PlaceResolution(None)
        if _DEPARTMENT_CODE.match(key):
            code = key.upper()
            place = self.departments.get(code)
            return PlaceResolution(place)
        match = _ARRONDISSEMENT.match(key)
        if match:
            position = self.arrondissements.get((match.group(1), int(match.group(2))))
            if position is not None:
                return PlaceResolution(self.commune(position).place())
        match = _NAME_DEPARTMENT.match(key)
        if match:
            code = match.group(2).upper()
            named = [
                c
                for c in self._group(self.by_key.get(match.group(1), ()))
                if c.department_code == code
            ]
            if named:
                return PlaceResolution(named[0].place())
        match = _NAME_POSTCODE.match(key)
        if match:
            return self._postcode(match.group(2), (match.group(1) or match.group(3) or "").strip())
        resolution = self._named(key, prefix=lenient and prefix)
        if resolution.place or not lenient or len(key) < 4:
            return resolution
        # "villeurb": the start of a name being typed.
        started = [
            c
            for c in (self._prefixed(key, boundary=False) if prefix else [])
            if c.population >= FUZZY_MIN_POPULATION
        ]
        if started:
            started.sort(key=lambda c: -c.population)
            return PlaceResolution(
                started[0].place(), tuple(c.place() for c in started[1 : 1 + MAX_ALTERNATIVES])
            )
        compact = key.replace(" ", "")
        cutoff = FUZZY_CUTOFF if prefix else FUZZY_CUTOFF_IN_QUERY
        for close in difflib.get_close_matches(key, self.fuzzy.get(key[0], []), 3, cutoff):
            resolution = self._named(close, prefix=False)
            if resolution.place and (
                prefix
                or resolution.place.population >= FUZZY_MIN_POPULATION_IN_QUERY
                or resolution.place.kind == "department"
            ):
                return resolution
        # "saintetienne", "aixenprovence": the words run together.
        for candidate in self.fuzzy.get(key[0], []):
            if candidate.replace(" ", "") == compact:
                return self._named(candidate, prefix=False)
        return PlaceResolution(None)


def _strip(key: str) -> str:
    changed = True
    while changed and key:
        changed = False
        for word in _LEADING:
            if key.startswith(word + " "):
                key, changed = key[len(word) + 1 :], True
        for word in _TRAILING:
            if key.endswith(" " + word):
                key, changed = key[: -len(word) - 1], True
    return key


_gazetteer_lock = threading.Lock()


@lru_cache(maxsize=1)
def _gazetteer_built() -> Gazetteer:
    return Gazetteer(_read("communes.csv.gz"), _read("departments.csv.gz"))


def gazetteer() -> Gazetteer:
    """Every commune, built once per process (about 11 MB, in columns). Built under
    a lock: ``lru_cache`` lets concurrent first calls all compute, and a gunicorn worker's
    four threads, meeting their first searches together, each built its own copy (a worker
    reached 340 MiB, of which it kept 300)."""
    with _gazetteer_lock:
        return _gazetteer_built()


def place_understand(text: str, *, lenient: bool = True, prefix: bool = True) -> PlaceResolution:
    return gazetteer().resolve(text, lenient=lenient, prefix=prefix)


# Départements named with "le" (masculine) or "les" (plural); others take "en", or "dans l'"
# before a vowel or a mute h ("dans l'Hérault").
_MASCULINE = frozenset(
    [
        "14",
        "15",
        "18",
        "25",
        "29",
        "30",
        "32",
        "39",
        "41",
        "45",
        "46",
        "47",
        "56",
        "59",
        "62",
        "63",
        "67",
        "68",
        "69",
        "81",
        "82",
        "83",
        "90",
        "94",
        "95",
    ]
)
_PLURAL = frozenset(
    ["04", "05", "06", "08", "13", "22", "40", "64", "65", "66", "78", "79", "88", "92"]
)
_SPECIAL = {"75": "à Paris", "974": "à La Réunion", "976": "à Mayotte"}


def place_phrase(place: Place, *, with_code: bool = True) -> str:
    """The place with its French preposition: "à Paris (75)", "dans le Rhône (69)",
    "en Haute-Garonne (31)", "aux Sables-d'Olonne (85)", "au Mans (72)"."""
    name = place.name
    code = place.label[len(name) :].strip()
    suffix = f" {code}" if with_code and code else ""
    if place.kind == "department":
        number = place.department_codes[0] if place.department_codes else ""
        if number in _SPECIAL:
            return _SPECIAL[number] + suffix
        if number in _PLURAL:
            return f"dans les {name}{suffix}"
        if number in _MASCULINE:
            return f"dans le {name}{suffix}"
        if fold(name[:1]) in {"a", "e", "i", "o", "u", "y"} or name.startswith("Hé"):
            return f"dans l'{name}{suffix}"
        return f"en {name}{suffix}"
    if name.startswith("Les "):
        return f"aux {name[4:]}{suffix}"
    if name.startswith("Le "):
        return f"au {name[3:]}{suffix}"
    return f"à {name}{suffix}"


def nearby_towns(place: Place, *, limit: int = 6, km: float = 40, min_population: int = 5000):
    """The larger towns around a place, nearest first (a landing page's "villes
    proches"); no query."""
    if place.latitude is None or place.longitude is None:
        return []
    towns = _nearby_communes(place.slug, place.latitude, place.longitude, limit, km, min_population)
    found = gazetteer()
    return [found.commune(position).place() for position in towns]


@lru_cache(maxsize=4096)
def _nearby_communes(slug, latitude, longitude, limit, km, min_population) -> tuple[int, ...]:
    # A scan of every commune of the gazetteer (a few ms): the gazetteer is fixed for the
    # process's life, so each place's answer is computed once.
    from apps.directory.geography import haversine_km

    places = gazetteer()
    latitudes, longitudes = places.latitudes, places.longitudes
    found = []
    for position, population in enumerate(places.populations):
        if population < min_population or position in places.parents:
            continue
        # (the place itself is at 0 km)
        if abs(latitudes[position] - latitude) > km / 100:
            continue
        distance = haversine_km(latitude, longitude, latitudes[position], longitudes[position])
        if 0.5 < distance <= km:
            found.append((distance, position))
    found.sort(key=lambda item: item[0])
    return tuple(position for _distance, position in found[:limit])
