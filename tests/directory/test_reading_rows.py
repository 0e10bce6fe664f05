"""Rows of a listing read into numbers, names and addresses: the usual ways people
write them, and clear reasons for what cannot be used."""

from __future__ import annotations

import pytest

from ivr.config import Settings
from ivr.domain.addresses import StreetIndex, split_address
from ivr.domain.directory import (
    BusinessListing,
    business_pattern,
    directory_phone,
    read_listing,
)
from ivr.domain.errors import DomainError


@pytest.mark.parametrize(
    ("written", "e164"),
    [
        ("418 962-0327", "+14189620327"),
        ("(418) 927-1234", "+14189271234"),
        ("1-418-962-0327", "+14189620327"),
        ("418.962.0327", "+14189620327"),
        ("+1 418 962 0327", "+14189620327"),
        ("4189620327", "+14189620327"),
        ("418 962-0327 poste 12", "+14189620327"),
        ("418-962-0327 x12", "+14189620327"),
        ("418-962-0327, ext. 4", "+14189620327"),
        ("514 872-1111", "+15148721111"),
    ],
)
def test_usual_writings_of_a_number_give_e164(written: str, e164: str) -> None:
    assert directory_phone(written) == e164


@pytest.mark.parametrize(
    ("written", "reason"),
    [
        ("1-800-463-2493", "not a geographic number"),
        ("1 888 555-1212", "not a geographic number"),
        ("212 555-0100", "not a Canadian number"),
        ("962-0327", "not a valid phone number"),
        ("", "Phone number missing"),
        ("pas de numéro", "not a phone number"),
    ],
)
def test_unusable_numbers_are_refused_with_their_reason(written: str, reason: str) -> None:
    with pytest.raises(DomainError, match=reason):
        directory_phone(written)


@pytest.mark.parametrize(
    ("written", "parts"),
    [
        ("12A, rue des Épinettes", (12, "A", "", "rue des Épinettes")),
        ("12-a BOUL. DES MONTAGNAIS", (12, "A", "", "BOUL. DES MONTAGNAIS")),
        ("45,rue de la Baie app. 3", (45, "", "3", "rue de la Baie")),
        ("7 avenue du Lac", (7, "", "", "avenue du Lac")),
        ("3 l'Anse", (3, "", "", "l'Anse")),
    ],
)
def test_addresses_are_split(written: str, parts: tuple[int, str, str, str]) -> None:
    found = split_address(written)
    assert (found.civic_number, found.suffix, found.unit, found.street) == parts


def test_an_address_without_a_number_is_refused() -> None:
    with pytest.raises(DomainError, match="without a civic number"):
        split_address("rue des Épinettes")


def test_streets_are_found_despite_type_abbreviations_accents_and_case() -> None:
    index = StreetIndex(["rue des Épinettes", "chemin du Lac", "rue de la Baie"])
    assert index.find("R. DES EPINETTES") == "rue des Épinettes"
    assert index.find("Épinettes") == "rue des Épinettes"
    assert index.find("ch. du lac") == "chemin du Lac"
    assert index.find("Lac") == "chemin du Lac"
    assert index.find("avenue du Lac") is None  # another type is another street
    assert index.find("rue Inconnue") is None


def test_business_by_its_column_or_its_name() -> None:
    rule = business_pattern(Settings().directory_business_pattern)
    base = {"phone": "418 962-0327", "address": "1 rue de la Baie"}
    with pytest.raises(BusinessListing):
        read_listing({**base, "name": "Dépanneur Chez Lise"}, rule)
    with pytest.raises(BusinessListing):
        read_listing({**base, "name": "Gagnon Luc", "kind": "Affaires"}, rule)
    resident = read_listing({**base, "name": "Clinique Marie", "kind": "Résidentiel"}, rule)
    assert resident.name == "Clinique Marie"
    assert read_listing({**base, "name": "Les Entreprises X Inc."}, business_pattern("zzz"))


def test_family_and_given_names_make_the_name() -> None:
    listing = read_listing(
        {"phone": "418 962-0327", "family_name": "Tremblay", "given_name": " Marie ",
         "civic_number": "12A", "street": "rue des Épinettes"},
        business_pattern(Settings().directory_business_pattern),
    )  # fmt: skip
    assert listing.name == "Marie Tremblay"
    assert (listing.address.civic_number, listing.address.suffix) == (12, "A")


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"phone": "418 962-0327", "address": "1 rue de la Baie"}, "Name missing"),
        ({"phone": "418 962-0327", "name": "Roy Anne"}, "Address missing"),
        ({"phone": "418 962-0327", "name": "Roy Anne", "street": "rue X"}, "Both civic"),
        ({"name": "Roy Anne", "address": "1 rue de la Baie"}, "Phone number missing"),
    ],
)
def test_missing_fields_are_named(fields: dict[str, str], reason: str) -> None:
    with pytest.raises(DomainError, match=reason):
        read_listing(fields, business_pattern(Settings().directory_business_pattern))


def test_what_is_learnt_per_area_code_still_checks_each_number() -> None:
    """Area codes' region and kind are looked up once; every number is still checked."""
    for _ in range(2):  # the second round answers from what the first one learnt
        assert directory_phone("418 962-0327") == "+14189620327"
        with pytest.raises(DomainError, match="not a valid phone number"):
            directory_phone("418 162-0327")  # no exchange starts with 1
        with pytest.raises(DomainError, match="not a geographic number"):
            directory_phone("1-800-463-2493")
        with pytest.raises(DomainError, match="not a Canadian number"):
            directory_phone("212 555-0100")
