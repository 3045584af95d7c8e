"""The 33 authorities as the migration loads them from the reference list, and their rules."""

import csv
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from boroughs.models import Borough, InnerOuter, Partnership

pytestmark = pytest.mark.django_db

REFERENCE = Path(__file__).resolve().parent.parent / "boroughs" / "data" / "london_authorities.csv"


def test_the_data_migration_loads_exactly_londons_33_authorities():
    assert Borough.objects.count() == 33
    assert Borough.objects.filter(is_city=True).get().name == "City of London"
    codes = sorted(Borough.objects.values_list("gss_code", flat=True))
    assert codes == [f"E090000{n:02d}" for n in range(1, 34)]


@pytest.mark.parametrize(
    ("slug", "gss", "short", "ons", "statutory", "partnership", "membership", "square"),
    [
        (
            "city-of-london",
            "E09000001",
            "LND",
            "inner",
            "",
            "central-london-forward",
            "full",
            (4, 3),
        ),
        ("bromley", "E09000006", "BRY", "outer", "outer", "", "", (5, 5)),
        ("greenwich", "E09000011", "GRE", "outer", "inner", "local-london", "full", (6, 4)),
        (
            "haringey",
            "E09000014",
            "HRY",
            "inner",
            "outer",
            "central-london-forward",
            "associate",
            (4, 1),
        ),
        (
            "kingston-upon-thames",
            "E09000021",
            "KTT",
            "outer",
            "outer",
            "south-london-partnership",
            "full",
            (2, 5),
        ),
        ("newham", "E09000025", "NWM", "inner", "outer", "local-london", "full", (6, 3)),
        (
            "westminster",
            "E09000033",
            "WSM",
            "inner",
            "inner",
            "central-london-forward",
            "full",
            (3, 3),
        ),
    ],
)
def test_each_authority_carries_the_reference_facts(
    slug, gss, short, ons, statutory, partnership, membership, square
):
    b = Borough.objects.get(slug=slug)
    assert (b.gss_code, b.short_code, b.org_id) == (gss, short, f"GB-LAE-{short}")
    assert (b.inner_outer_ons, b.inner_outer_statutory) == (ons, statutory)
    assert (b.partnership, b.partnership_membership) == (partnership, membership)
    assert (b.grid_col, b.grid_row) == square
    assert b.website.startswith("https://")


def test_every_row_of_the_reference_csv_is_loaded_as_written():
    with REFERENCE.open(newline="") as rows:
        for row in csv.DictReader(rows):
            b = Borough.objects.get(gss_code=row["gss_code"])
            assert b.name == row["name"]
            assert b.short_code == row["short_code"]
            assert b.org_id == row["org_id"]
            assert b.is_city == (row["is_city"] == "yes")
            assert b.get_partnership_display() == (row["subregional_partnership"] or "")


def test_groupings_match_the_published_definitions():
    assert Borough.objects.inner().count() == 14
    statutory_inner = Borough.objects.filter(inner_outer_statutory=InnerOuter.INNER)
    assert statutory_inner.count() == 12
    assert statutory_inner.filter(slug="greenwich").exists()
    counts = {p: Borough.objects.in_partnership(p).count() for p in Partnership.values}
    assert sum(counts.values()) == 32
    assert Borough.objects.filter(partnership="").get().slug == "bromley"
    assert sorted(
        Borough.objects.filter(partnership_membership="associate").values_list("slug", flat=True)
    ) == ["haringey", "lewisham"]


def test_every_map_square_holds_one_authority():
    squares = set(Borough.objects.values_list("grid_col", "grid_row"))
    assert len(squares) == 33


@pytest.mark.parametrize("code", ["E09000000", "E09000034", "E0900001", "W09000001", "e09000001"])
def test_gss_code_must_be_a_london_authority_code(code):
    hackney = Borough.objects.get(slug="hackney")
    hackney.gss_code = code
    with pytest.raises(ValidationError) as error:
        hackney.full_clean()
    assert "E09000001 to E09000033" in str(error.value.message_dict["gss_code"])


def test_gss_codes_are_unique_in_the_database():
    with pytest.raises(IntegrityError), transaction.atomic():
        Borough.objects.filter(slug="hackney").update(gss_code="E09000001")


def test_two_authorities_cannot_share_a_map_square():
    with pytest.raises(IntegrityError), transaction.atomic():
        Borough.objects.filter(slug="hackney").update(grid_col=4, grid_row=3)


def test_the_map_square_must_be_on_the_grid():
    with pytest.raises(IntegrityError), transaction.atomic():
        Borough.objects.filter(slug="hackney").update(grid_col=8)


def test_a_partnership_needs_a_membership():
    with pytest.raises(IntegrityError), transaction.atomic():
        Borough.objects.filter(slug="hackney").update(partnership_membership="")
    hackney = Borough.objects.get(slug="hackney")
    hackney.partnership_membership = ""
    with pytest.raises(ValidationError, match="Give a membership"):
        hackney.full_clean()


def test_only_the_city_lacks_a_statutory_inner_outer_class():
    with pytest.raises(IntegrityError), transaction.atomic():
        Borough.objects.filter(slug="hackney").update(inner_outer_statutory="")
