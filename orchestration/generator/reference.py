"""The prefecture: its counties and designated institutions (reference/counties, institutions),
and who receives the alerts (reference/alert_recipients)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from orchestration.sources import SOURCES

from . import csvtext, parameters as p
from .seeds import name_parts, read


@dataclass(frozen=True)
class Counties:
    codes: list[str]
    names: list[str]
    places: list[str]  # the place name private institutions carry (貴港, 平南 …)
    census_share: np.ndarray
    employee_share: np.ndarray

    @property
    def code_table(self) -> np.ndarray:
        return np.array([c.encode() for c in self.codes], dtype="S6")


def load_counties() -> Counties:
    rows = read("counties")
    census = np.array([float(r["census_population_2020"]) for r in rows])
    return Counties(
        codes=[r["county_code"] for r in rows],
        names=[r["county_name"] for r in rows],
        places=[r["place_name"] for r in rows],
        census_share=census / census.sum(),
        employee_share=np.array([float(r["employee_share"]) for r in rows]),
    )


def write_counties(out: Path, counties: Counties, enrolled: np.ndarray, rng: np.random.Generator) -> int:
    """Registered population = the county's initial enrollees ÷ a coverage rate of 86-92 %."""
    coverage = rng.uniform(*p.COVERAGE_RANGE, size=len(counties.codes))
    registered = np.round(enrolled / coverage).astype(np.int64)
    fields = {
        "county_code": csvtext.strings(counties.codes),
        "county_name": csvtext.strings(counties.names),
        "registered_population": csvtext.integers(registered),
    }
    return csvtext.write_csv(out / SOURCES["counties"].file_name(), SOURCES["counties"].column_names,
                             fields, len(counties.codes))


def write_alert_recipients(out: Path, counties: Counties) -> int:
    """The demo's recipients: the prefecture bureau's fund supervision section and one section
    per county bureau, at addresses of the reserved `.example` domain (a bureau writes its own)."""
    scopes = ["city", *counties.codes]
    names = ["市醫保局基金監管科", *(f"{name}醫保局基金監管股" for name in counties.names)]
    emails = ["jijin@yibao.example", *(f"jijin.{code}@yibao.example" for code in counties.codes)]
    fields = {"scope": csvtext.strings(scopes), "name": csvtext.strings(names), "email": csvtext.strings(emails)}
    source = SOURCES["alert_recipients"]
    return csvtext.write_csv(out / source.file_name(), source.column_names, fields, len(scopes))


@dataclass
class Institutions:
    """Designated institutions, local ones first, then the out-of-area ones (managed_by
    `external`, with the division codes of where they are)."""

    codes: list[str]
    names: list[str]
    types: list[str]
    levels: list[str]
    ownership: list[str]
    county: np.ndarray  # index into Counties (0 for out-of-area ones: their doctors' codes, none)
    county_codes: list[str]  # the division code written to institutions.csv
    managed_by: list[str]
    beds: np.ndarray  # 0 when it has none
    klass: np.ndarray  # index into parameters.CLASSES
    growth: np.ndarray  # yearly volume growth
    price: np.ndarray  # price level factor
    suspicious: np.ndarray  # bool: settles near-identical stays and split admissions
    doctor_first: np.ndarray  # index of its first doctor in doctor_codes
    doctor_count: np.ndarray
    doctor_codes: np.ndarray  # S12

    def __len__(self) -> int:
        return len(self.codes)

    @property
    def code_table(self) -> np.ndarray:
        return np.array([c.encode() for c in self.codes], dtype="S12")

    @property
    def local(self) -> np.ndarray:
        return self.klass != p.OUT_OF_AREA

    @property
    def outpatient_size(self) -> np.ndarray:
        """Relative outpatient volume: beds where there are beds, else a nominal size."""
        nominal = np.where(self.klass == p.PRIMARY, 40.0, 1.0)
        return np.where(self.beds > 0, self.beds, nominal)


@dataclass
class _Draft:
    name: str
    type: str
    level: str
    ownership: str
    county: int
    managed_by: str


def build_institutions(counties: Counties, rng: np.random.Generator) -> Institutions:
    drafts = (_named_hospitals(counties) + _private_hospitals(counties, rng) + _enterprise_hospitals(counties, rng)
              + _primary(counties, rng) + _clinics(counties, rng) + _pharmacies(counties, rng))
    drafts.sort(key=lambda d: (d.county, d.type == "pharmacy"))  # codes run per county
    codes = _codes(drafts, counties)
    outside = read("out_of_area")
    count = len(drafts) + len(outside)
    klass = np.array([_class(d.type, d.level) for d in drafts] + [p.OUT_OF_AREA] * len(outside))
    beds = np.array([_beds(d.type, d.level, rng) for d in drafts] + [int(r["beds"] or 0) for r in outside])
    doctors = _doctor_counts(drafts, beds, rng)
    doctors = np.concatenate([doctors, np.zeros(len(outside), dtype=np.int64)])
    county = np.array([d.county for d in drafts] + [0] * len(outside))
    return Institutions(
        codes=codes + [r["institution_code"] for r in outside],
        names=[d.name for d in drafts] + [r["institution_name"] for r in outside],
        types=[d.type for d in drafts] + [r["institution_type"] for r in outside],
        levels=[d.level for d in drafts] + [r["hospital_level"] for r in outside],
        ownership=[d.ownership for d in drafts] + ["public"] * len(outside),
        county=county,
        county_codes=[counties.codes[d.county] for d in drafts] + [r["county_code"] for r in outside],
        managed_by=[d.managed_by for d in drafts] + ["external"] * len(outside),
        beds=beds,
        klass=klass,
        growth=rng.normal(*p.INSTITUTION_GROWTH, size=count),
        price=rng.lognormal(0.0, p.INSTITUTION_COST_SPREAD, size=count),
        suspicious=_suspicious(drafts, count, rng),
        doctor_first=np.concatenate([[0], np.cumsum(doctors)[:-1]]),
        doctor_count=doctors,
        doctor_codes=_doctor_codes(county, doctors, counties),
    )


def write_institutions(out: Path, institutions: Institutions) -> int:
    fields = {
        "institution_code": csvtext.strings(institutions.codes),
        "institution_name": csvtext.strings(institutions.names),
        "institution_type": csvtext.strings(institutions.types),
        "hospital_level": csvtext.strings(institutions.levels),
        "ownership": csvtext.strings(institutions.ownership),
        "county_code": csvtext.strings(institutions.county_codes),
        "managed_by": csvtext.strings(institutions.managed_by),
        "beds": csvtext.strings([str(b) if b else "" for b in institutions.beds]),
    }
    source = SOURCES["institutions"]
    return csvtext.write_csv(out / source.file_name(), source.column_names, fields, len(institutions))


def _named_hospitals(counties: Counties) -> list[_Draft]:
    return [_Draft(r["institution_name"], "hospital", r["hospital_level"], r["ownership"],
                   counties.codes.index(r["county_code"]), r["managed_by"]) for r in read("hospitals")]


def _per_county(counties: Counties, total: int, rng: np.random.Generator) -> np.ndarray:
    return rng.choice(len(counties.codes), size=total, p=counties.census_share)


def _unique_name(make, used: set[str]) -> str:
    """Draw names with `make()` until one is new (the name parts allow far more than needed)."""
    while (name := make()) in used:
        pass
    used.add(name)
    return name


def _private_hospitals(counties: Counties, rng: np.random.Generator) -> list[_Draft]:
    stems, specialties, used = name_parts("hospital_stem"), name_parts("hospital_specialty"), set()
    drafts = []
    for level, total in p.PRIVATE_HOSPITALS.items():
        for county in _per_county(counties, total, rng):
            suffixes = ["醫院"] if level == "2" else specialties
            name = _unique_name(lambda: counties.places[county] + rng.choice(stems) + rng.choice(suffixes), used)
            city = (level == "2" and counties.codes[county] in p.URBAN_COUNTIES
                    and rng.random() < p.CITY_MANAGED_PRIVATE_LEVEL2)
            drafts.append(_Draft(name, "hospital", level, "private", int(county), "city" if city else "county"))
    return drafts


def _enterprise_hospitals(counties: Counties, rng: np.random.Generator) -> list[_Draft]:
    enterprises, used = name_parts("enterprise"), set()
    return [_Draft(_unique_name(lambda: counties.names[c] + rng.choice(enterprises) + "職工醫院", used),
                   "hospital", "1", "public", int(c), "county")
            for c in _per_county(counties, p.ENTERPRISE_HOSPITALS, rng)]


def _primary(counties: Counties, rng: np.random.Generator) -> list[_Draft]:
    """A township health centre per town (一級) and community health service centres (未定級)."""
    drafts = []
    for town in read("towns"):
        county = counties.codes.index(town["county_code"])
        kind = "中心衛生院" if rng.random() < 0.3 else "衛生院"
        drafts.append(_Draft(counties.names[county] + town["town_name"] + kind, "primary", "1", "public",
                             county, "county"))
    ordinals = "一二三四五六七八九"
    for county, name in enumerate(counties.names):
        for number in range(p.COMMUNITY_CENTRES_PER_COUNTY):
            drafts.append(_Draft(f"{name}第{ordinals[number]}社區衛生服務中心", "primary", "0", "public",
                                 county, "county"))
    return drafts


def _towns_by_county(counties: Counties) -> list[list[str]]:
    towns = [[] for _ in counties.codes]
    for town in read("towns"):
        towns[counties.codes.index(town["county_code"])].append(town["town_name"])
    return towns


def _clinics(counties: Counties, rng: np.random.Generator) -> list[_Draft]:
    """Village clinics (村衛生室, public) and private clinics and outpatient departments."""
    towns, villages = _towns_by_county(counties), name_parts("village")
    surnames, stems, used = name_parts("surname"), name_parts("hospital_stem"), set()
    drafts = []
    for county in _per_county(counties, p.CLINICS, rng):
        if rng.random() < 0.7:
            name = _unique_name(lambda: counties.names[county] + rng.choice(towns[county]) + rng.choice(villages)
                                + "村衛生室", used)
            drafts.append(_Draft(name, "clinic", "0", "public", int(county), "county"))
        else:
            name = _unique_name(lambda: counties.places[county] + (rng.choice(surnames) + "氏診所" if rng.random() < 0.6
                                                                    else rng.choice(stems) + "門診部"), used)
            drafts.append(_Draft(name, "clinic", "0", "private", int(county), "county"))
    return drafts


def _pharmacies(counties: Counties, rng: np.random.Generator) -> list[_Draft]:
    towns, brands, used = _towns_by_county(counties), name_parts("pharmacy_brand"), set()
    drafts = []
    for county in _per_county(counties, p.PHARMACIES, rng):
        name = _unique_name(lambda: counties.places[county] + rng.choice(brands)
                            + ("大藥房" + rng.choice(towns[county]) + "店" if rng.random() < 0.6 else "藥店"), used)
        drafts.append(_Draft(name, "pharmacy", "0", "private", int(county), "county"))
    return drafts


def _codes(drafts: list[_Draft], counties: Counties) -> list[str]:
    """National-style codes: H (medical) or P (pharmacy), the county code, a 5-digit sequence."""
    sequence = [0] * len(counties.codes)
    codes = []
    for draft in drafts:
        sequence[draft.county] += 1
        letter = "P" if draft.type == "pharmacy" else "H"
        codes.append(f"{letter}{counties.codes[draft.county]}{sequence[draft.county]:05d}")
    return codes


def _class(kind: str, level: str) -> int:
    if kind == "hospital":
        return {"3": p.LEVEL3, "2": p.LEVEL2}.get(level, p.LEVEL1)
    return {"primary": p.PRIMARY, "clinic": p.CLINIC, "pharmacy": p.PHARMACY}[kind]


def _beds(kind: str, level: str, rng: np.random.Generator) -> int:
    low_high = p.BEDS.get((kind, level))
    return int(rng.integers(low_high[0], low_high[1] + 1)) if low_high else 0


def _doctor_counts(drafts: list[_Draft], beds: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    counts = []
    for draft, bed_count in zip(drafts, beds):
        if draft.type == "hospital":
            counts.append(max(3, round(bed_count * p.DOCTORS_PER_BED)))
        elif draft.type in p.DOCTORS:
            counts.append(int(rng.integers(p.DOCTORS[draft.type][0], p.DOCTORS[draft.type][1] + 1)))
        else:
            counts.append(0)  # pharmacies: no 醫保醫師
    return np.array(counts, dtype=np.int64)


def _doctor_codes(county: np.ndarray, doctors: np.ndarray, counties: Counties) -> np.ndarray:
    """D + county code + a 5-digit sequence within the county, for every doctor in order."""
    doctor_county = np.repeat(county, doctors)
    sequence = np.zeros(len(doctor_county), dtype=np.int64)
    for c in range(len(counties.codes)):
        mine = doctor_county == c
        sequence[mine] = np.arange(1, mine.sum() + 1)
    codes = [f"D{counties.codes[c]}{s:05d}" for c, s in zip(doctor_county, sequence)]
    return np.array([c.encode() for c in codes], dtype="S12")


def _suspicious(drafts: list[_Draft], count: int, rng: np.random.Generator) -> np.ndarray:
    candidates = [i for i, d in enumerate(drafts) if d.type == "hospital" and d.ownership == "private"
                  and d.level in ("1", "0")]
    flags = np.zeros(count, dtype=bool)
    flags[rng.choice(candidates, size=p.SUSPICIOUS_INSTITUTIONS, replace=False)] = True
    return flags
