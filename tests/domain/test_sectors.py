"""Sectors: street ranges, point in polygon, GeoJSON in and out."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ivr.domain.errors import DomainError
from ivr.domain.sectors import (
    Sector,
    StreetSegment,
    assign_sector,
    check_sector_set,
    sectors_from_geojson,
    sectors_to_geojson,
    street_key,
)
from ivr.importers.demo_data import SECTORS


def test_street_key_ignores_case_accents_punctuation_and_abbreviations() -> None:
    assert street_key("Boul. des Épinettes") == street_key("boulevard  des epinettes")
    assert street_key("Rue St-Jean") == "rue saint jean"


@pytest.mark.parametrize(
    ("side", "number", "inside"),
    [
        ("odd", 11, True),
        ("odd", 12, False),
        ("even", 12, True),
        ("even", 11, False),
        ("both", 11, True),
        ("both", 9, False),
        ("both", 21, False),
        ("both", 10, True),
        ("both", 20, True),
    ],
)
def test_segment_sides_and_bounds(side: Any, number: int, inside: bool) -> None:
    segment = StreetSegment("rue du Caribou", 10, 20, side)
    assert segment.contains(number, street_key("Rue du caribou")) is inside


def test_segment_on_another_street_does_not_match() -> None:
    assert not StreetSegment("rue du Caribou", 1, 99).contains(5, street_key("rue de la Baie"))


@pytest.mark.parametrize(
    ("args", "message"),
    [(("", 1, 2), "vide"), (("rue A", 5, 4), "Invalid civic range"), (("rue A", 0, 4), "range")],
)
def test_bad_segments_are_refused(args: tuple[str, int, int], message: str) -> None:
    with pytest.raises(DomainError, match=message):
        StreetSegment(*args)


def test_demo_addresses_are_assigned_by_street_then_by_polygon() -> None:
    # odd side of rue du Caribou is north, even side is south
    assert assign_sector(SECTORS, 15, "Rue du Caribou") is not None
    north = assign_sector(SECTORS, 15, "Rue du Caribou")
    south = assign_sector(SECTORS, 16, "rue du caribou")
    assert north is not None and (north.sector_code, north.method) == ("uashat-nord", "street")
    assert south is not None and south.sector_code == "uashat-sud"
    # an unknown street inside the Uashat south polygon: the sub-sector, not its parent
    by_point = assign_sector(SECTORS, 3, "rue Inconnue", (-66.40, 50.205))
    assert by_point is not None and (by_point.sector_code, by_point.method) == (
        "uashat-sud",
        "polygon",
    )
    assert assign_sector(SECTORS, 3, "rue Inconnue", (-70.0, 45.0)) is None
    assert assign_sector(SECTORS, None, "", None) is None


def test_geojson_round_trip_of_the_demo_sectors() -> None:
    exported = sectors_to_geojson(SECTORS)
    assert sectors_from_geojson(json.loads(json.dumps(exported))) == list(SECTORS)


def _feature_collection() -> dict[str, Any]:
    return json.loads(json.dumps(sectors_to_geojson(SECTORS)))  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda fc: fc.update(type="Feature"), "FeatureCollection"),
        (
            lambda fc: fc["features"][0]["properties"].pop("name_fr"),
            r"Feature 1 \(uashat\).*name_fr",
        ),
        (lambda fc: fc["features"][1]["properties"].update(code="Bad Code"), "Feature 2.*code"),
        (lambda fc: fc["features"][1]["properties"].update(parent="nowhere"), "nowhere"),
        (
            lambda fc: fc["features"][0]["properties"].update(parent="uashat-nord"),
            "boucle",
        ),
        (lambda fc: fc["features"][3]["properties"].update(community="sept-iles"), "sept-iles"),
        (
            lambda fc: fc["features"][0].update(
                geometry={
                    "type": "Polygon",
                    "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]],
                }
            ),
            "Self-intersection",
        ),
        (
            lambda fc: fc["features"][0].update(geometry={"type": "Point", "coordinates": [0, 0]}),
            "Polygon",
        ),
        (
            lambda fc: fc["features"][0].update(
                geometry={
                    "type": "Polygon",
                    "coordinates": [[[500, 0], [501, 0], [501, 1], [500, 0]]],
                }
            ),
            "longitude, latitude",
        ),
        (
            lambda fc: fc["features"][0].update(geometry={"type": "Polygon", "coordinates": "x"}),
            "illisibles",
        ),
        (
            lambda fc: fc["features"][1]["properties"]["streets"].append(
                {"street": "rue X", "from": "1"}
            ),
            r"Feature 2 \(uashat-nord\), rue 3",
        ),
        (
            lambda fc: fc["features"][1]["properties"]["streets"].append(
                {"street": "rue X", "from": 1, "to": 2, "side": "left"}
            ),
            "left",
        ),
        (
            lambda fc: fc["features"][4]["properties"].update(streets=[]),
            "neither a polygon nor streets",
        ),
        (lambda fc: fc["features"].append(copy.deepcopy(fc["features"][0])), "twice"),
    ],
)
def test_bad_geojson_names_the_feature_and_the_fault(mutate: Any, message: str) -> None:
    data = _feature_collection()
    mutate(data)
    with pytest.raises(DomainError, match=message):
        sectors_from_geojson(data)


def test_parent_in_another_community_is_refused() -> None:
    child = Sector("x", "mani-utenam", "X", "X", parent_code="uashat", segments=SECTORS[1].segments)
    with pytest.raises(DomainError, match="different communities"):
        check_sector_set([SECTORS[0], child])


@given(
    st.integers(1, 300),
    st.integers(0, 300),
    st.sampled_from(["odd", "even", "both"]),
    st.integers(1, 700),
)
def test_segment_membership_matches_its_definition(
    start: int, length: int, side: Any, number: int
) -> None:
    segment = StreetSegment("rue A", start, start + length, side)
    parity_ok = side == "both" or (number % 2 == 1) == (side == "odd")
    expected = start <= number <= start + length and parity_ok
    assert segment.contains(number, "rue a") is expected
