"""Sectors: named areas drawn by a polygon and/or street segments with civic ranges,
the assignment of an address to its sector, and GeoJSON import/export.

A GeoJSON sector is a Feature whose geometry is a Polygon, a MultiPolygon or null and
whose properties are ``code``, ``community``, ``name_fr``, ``name_en``, optionally
``parent`` (a sector code) and ``streets``: ``[{"street", "from", "to", "side"}]``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import shapely
from shapely.geometry import Point, mapping, shape
from shapely.validation import explain_validity

from ivr.domain.errors import DomainError

Side = Literal["odd", "even", "both"]
Community = Literal["uashat", "mani-utenam"]
Method = Literal["street", "polygon"]
COMMUNITIES: tuple[Community, ...] = ("uashat", "mani-utenam")
SIDES: tuple[Side, ...] = ("odd", "even", "both")
_CODE = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
_ABBREVIATIONS = {
    "boul": "boulevard",
    "bd": "boulevard",
    "av": "avenue",
    "ave": "avenue",
    "ch": "chemin",
    "st": "saint",
    "ste": "sainte",
    "r": "rue",
}


def street_key(street: str) -> str:
    """A street name reduced for matching: no accents, case, punctuation or
    abbreviations (``Boul. des Montagnais`` and ``boulevard des montagnais`` match)."""
    decomposed = unicodedata.normalize("NFKD", street.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    words = re.sub(r"[^a-z0-9]+", " ", plain).split()
    return " ".join(_ABBREVIATIONS.get(w, w) for w in words)


@dataclass(frozen=True)
class StreetSegment:
    street: str
    from_number: int
    to_number: int
    side: Side = "both"

    def __post_init__(self) -> None:
        if not street_key(self.street):
            raise DomainError("Le nom de rue est vide.", "The street name is empty.")
        if not 0 < self.from_number <= self.to_number:
            raise DomainError(
                f"Plage de numéros invalide {self.from_number}-{self.to_number} ({self.street}).",
                f"Invalid civic range {self.from_number}-{self.to_number} ({self.street}).",
            )
        if self.side not in SIDES:
            raise DomainError(
                f"Côté invalide « {self.side} » (odd, even ou both).",
                f"Invalid side '{self.side}' (odd, even or both).",
            )

    def contains(self, civic_number: int, key: str) -> bool:
        """Whether the address ``civic_number`` on the street of ``key`` is in this segment."""
        if key != street_key(self.street):
            return False
        if not self.from_number <= civic_number <= self.to_number:
            return False
        if self.side == "odd":
            return civic_number % 2 == 1
        if self.side == "even":
            return civic_number % 2 == 0
        return True


@dataclass(frozen=True)
class Sector:
    code: str
    community: Community
    name_fr: str
    name_en: str
    parent_code: str | None = None
    boundary: Any = None
    """A shapely Polygon or MultiPolygon, or None."""
    segments: tuple[StreetSegment, ...] = ()

    def __post_init__(self) -> None:
        if not _CODE.match(self.code):
            raise DomainError(
                f"Code de secteur invalide « {self.code} » (minuscules, chiffres, tirets).",
                f"Invalid sector code '{self.code}' (lowercase letters, digits, hyphens).",
            )
        if self.community not in COMMUNITIES:
            raise DomainError(
                f"Communauté inconnue « {self.community} » (uashat ou mani-utenam).",
                f"Unknown community '{self.community}' (uashat or mani-utenam).",
            )
        if not self.name_fr.strip() or not self.name_en.strip():
            raise DomainError(
                f"Le secteur {self.code} doit avoir un nom en français et en anglais.",
                f"Sector {self.code} needs a French and an English name.",
            )
        if self.boundary is not None:
            # one canonical form, so equal areas compare equal whatever their vertex order
            object.__setattr__(self, "boundary", shapely.normalize(self.boundary))
        if self.boundary is None and not self.segments:
            raise DomainError(
                f"Le secteur {self.code} n'a ni polygone ni rues.",
                f"Sector {self.code} has neither a polygon nor streets.",
            )


@dataclass(frozen=True)
class Assignment:
    sector_code: str
    method: Method


def assign_sector(
    sectors: Sequence[Sector],
    civic_number: int | None,
    street: str,
    point: tuple[float, float] | None = None,
) -> Assignment | None:
    """The sector of an address: by street segment first (how the municipality maps
    addresses), else by the point (longitude, latitude) in a polygon. Where several
    sectors match, the most specific (deepest sub-sector) wins, then the first listed."""
    depth = _depths(sectors)
    if civic_number is not None:
        key = street_key(street)
        by_street = [s for s in sectors if any(g.contains(civic_number, key) for g in s.segments)]
        if by_street:
            return Assignment(_deepest(by_street, depth).code, "street")
    if point is not None:
        where = Point(point)
        by_polygon = [s for s in sectors if s.boundary is not None and s.boundary.covers(where)]
        if by_polygon:
            return Assignment(_deepest(by_polygon, depth).code, "polygon")
    return None


def in_staff_order(sectors: Iterable[Sector]) -> list[Sector]:
    """Sectors as the admin page lists them (community, then code). On the staff phone
    line a sector is keyed by its position in this list, from 1 (shown on that page)."""
    return sorted(sectors, key=lambda s: (s.community, s.code))


def _deepest(candidates: list[Sector], depth: Mapping[str, int]) -> Sector:
    return max(candidates, key=lambda s: depth[s.code])


def _depths(sectors: Sequence[Sector]) -> dict[str, int]:
    parents = {s.code: s.parent_code for s in sectors}
    depths = {}
    for code, first_parent in parents.items():
        depth, parent = 0, first_parent
        while parent is not None and depth <= len(parents):
            depth, parent = depth + 1, parents.get(parent)
        depths[code] = depth
    return depths


def check_sector_set(sectors: Sequence[Sector]) -> None:
    """Codes unique, parents known, in the same community, and no cycle."""
    by_code: dict[str, Sector] = {}
    for sector in sectors:
        if sector.code in by_code:
            raise DomainError(
                f"Le code de secteur {sector.code} est en double.",
                f"Sector code {sector.code} appears twice.",
            )
        by_code[sector.code] = sector
    for sector in sectors:
        seen = {sector.code}
        parent = sector.parent_code
        while parent is not None:
            if parent not in by_code:
                raise DomainError(
                    f"Le secteur parent {parent} de {sector.code} n'existe pas.",
                    f"Parent sector {parent} of {sector.code} does not exist.",
                )
            if by_code[parent].community != sector.community:
                raise DomainError(
                    f"Le secteur {sector.code} et son parent {parent} sont de communautés "
                    "différentes.",
                    f"Sector {sector.code} and its parent {parent} are in different communities.",
                )
            if parent in seen:
                raise DomainError(
                    f"Les secteurs parents de {sector.code} forment une boucle.",
                    f"The parents of sector {sector.code} form a loop.",
                )
            seen.add(parent)
            parent = by_code[parent].parent_code


def parse_boundary(geometry: object, where: str = "") -> Any:
    """A GeoJSON Polygon/MultiPolygon (lon/lat) as a valid shapely geometry, or None."""
    if geometry is None:
        return None
    prefix_fr, prefix_en = (f"{where} : ", f"{where}: ") if where else ("", "")
    if not isinstance(geometry, dict) or geometry.get("type") not in ("Polygon", "MultiPolygon"):
        raise DomainError(
            f"{prefix_fr}la géométrie doit être un Polygon ou un MultiPolygon GeoJSON.",
            f"{prefix_en}the geometry must be a GeoJSON Polygon or MultiPolygon.",
        )
    try:
        geom = shape(geometry)
    except (ValueError, TypeError, AttributeError, IndexError, KeyError) as error:
        raise DomainError(
            f"{prefix_fr}coordonnées GeoJSON illisibles ({error}).",
            f"{prefix_en}unreadable GeoJSON coordinates ({error}).",
        ) from error
    minx, miny, maxx, maxy = geom.bounds
    if geom.is_empty or not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        raise DomainError(
            f"{prefix_fr}les coordonnées doivent être longitude, latitude en degrés.",
            f"{prefix_en}coordinates must be longitude, latitude in degrees.",
        )
    if not geom.is_valid:
        reason = explain_validity(geom)
        raise DomainError(
            f"{prefix_fr}polygone invalide ({reason}).",
            f"{prefix_en}invalid polygon ({reason}).",
        )
    return geom


def sectors_from_geojson(data: object) -> list[Sector]:
    """Sectors from a GeoJSON FeatureCollection; errors name the feature at fault."""
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise DomainError(
            "Le fichier doit être une FeatureCollection GeoJSON.",
            "The file must be a GeoJSON FeatureCollection.",
        )
    features = data.get("features")
    if not isinstance(features, list):
        raise DomainError(
            "La FeatureCollection n'a pas de liste « features ».",
            "The FeatureCollection has no 'features' list.",
        )
    sectors = [_sector_from_feature(f, f"Feature {i + 1}") for i, f in enumerate(features)]
    check_sector_set(sectors)
    return sectors


def _sector_from_feature(feature: object, where: str) -> Sector:
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        raise DomainError(f"{where} : ce n'est pas une Feature.", f"{where}: not a Feature.")
    props = feature.get("properties")
    if not isinstance(props, dict):
        raise DomainError(f"{where} : propriétés absentes.", f"{where}: no properties.")
    where = f"{where} ({props.get('code', '?')})"
    texts = {}
    for name in ("code", "community", "name_fr", "name_en"):
        value = props.get(name)
        if not isinstance(value, str):
            raise DomainError(
                f"{where} : la propriété « {name} » manque ou n'est pas du texte.",
                f"{where}: property '{name}' is missing or not text.",
            )
        texts[name] = value
    parent = props.get("parent")
    if parent is not None and not isinstance(parent, str):
        raise DomainError(
            f"{where} : « parent » doit être un code de secteur.",
            f"{where}: 'parent' must be a sector code.",
        )
    try:
        return Sector(
            code=texts["code"],
            community=texts["community"],  # type: ignore[arg-type]  # checked by Sector
            name_fr=texts["name_fr"],
            name_en=texts["name_en"],
            parent_code=parent,
            boundary=parse_boundary(feature.get("geometry"), where),
            segments=_segments(props.get("streets", []), where),
        )
    except DomainError as error:
        if error.fr.startswith(where):
            raise
        raise DomainError(f"{where} : {error.fr}", f"{where}: {error.en}") from error


def _segments(raw: object, where: str) -> tuple[StreetSegment, ...]:
    if not isinstance(raw, list):
        raise DomainError(
            f"{where} : « streets » doit être une liste.", f"{where}: 'streets' must be a list."
        )
    segments = []
    for i, item in enumerate(raw, start=1):
        ok = (
            isinstance(item, dict)
            and isinstance(item.get("street"), str)
            and type(item.get("from")) is int
            and type(item.get("to")) is int
        )
        if not ok:
            raise DomainError(
                f"{where}, rue {i} : il faut street (texte), from et to (entiers).",
                f"{where}, street {i}: street (text), from and to (integers) are required.",
            )
        assert isinstance(item, dict)
        segments.append(
            StreetSegment(item["street"], item["from"], item["to"], item.get("side", "both"))
        )
    return tuple(segments)


def sectors_to_geojson(sectors: Iterable[Sector]) -> dict[str, Any]:
    """The sectors as a GeoJSON FeatureCollection that sectors_from_geojson reads back."""
    features = []
    for s in sectors:
        properties: dict[str, Any] = {
            "code": s.code,
            "community": s.community,
            "name_fr": s.name_fr,
            "name_en": s.name_en,
            "parent": s.parent_code,
            "streets": [
                {"street": g.street, "from": g.from_number, "to": g.to_number, "side": g.side}
                for g in s.segments
            ],
        }
        geometry = None
        if s.boundary is not None:  # RFC 7946: exterior rings counterclockwise
            geometry = mapping(shapely.orient_polygons(s.boundary, exterior_cw=False))
        features.append({"type": "Feature", "geometry": geometry, "properties": properties})
    return {"type": "FeatureCollection", "features": features}
