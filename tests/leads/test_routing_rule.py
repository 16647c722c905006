"""The routing rule as plain functions: the territory, then the official representative, round robin, none left."""
from datetime import datetime, timezone

from leads.routing import Area, Branch, choose_branch, locate

MOSCOW = Area(1, "Moscow", 55.75, 37.62, 40.0)
TULA = Area(2, "Tula", 54.19, 37.62, 20.0)  # ~173 km south of Moscow
AREAS = [MOSCOW, TULA]


def test_a_point_inside_a_radius_is_in_that_region():
    decision = locate(55.80, 37.60, AREAS, nearest_km=100)
    assert (decision.chosen, decision.reason) == (MOSCOW, "inside_region")
    assert decision.details["region"] == "Moscow" and decision.details["km"] < 40


def test_a_point_outside_every_radius_goes_to_the_nearest_region_within_the_limit():
    decision = locate(56.40, 37.62, AREAS, nearest_km=100)  # ~72 km north of Moscow's centre
    assert (decision.chosen, decision.reason) == (MOSCOW, "nearest_region")
    assert 70 < decision.details["km"] < 75 and decision.details["limit"] == "100"


def test_a_point_beyond_the_limit_has_no_region():
    decision = locate(56.40, 37.62, AREAS, nearest_km=50)
    assert (decision.chosen, decision.reason) == (None, "no_region")
    assert locate(55.0, 82.9, AREAS, nearest_km=100).chosen is None  # Novosibirsk
    assert locate(55.75, 37.62, [], nearest_km=100).reason == "no_region"


def test_the_nearest_centre_wins_when_two_radii_hold_the_point():
    wide = Area(3, "Wide", 55.0, 37.62, 200.0)
    assert locate(55.70, 37.62, [wide, MOSCOW], nearest_km=100).chosen == MOSCOW


def at(hour):
    return datetime(2026, 12, 1, hour, tzinfo=timezone.utc)


def test_the_official_representative_comes_first_whoever_received_less():
    branches = [Branch(5, "Bravo", "brand", None), Branch(7, "Alpha", "official", at(9))]
    decision = choose_branch(branches)
    assert (decision.chosen.id, decision.reason) == (7, "official")


def test_without_an_official_the_branch_that_received_a_lead_least_recently_gets_it():
    branches = [Branch(5, "Bravo", "brand", at(9)), Branch(6, "Delta", "basic", at(8)),
                Branch(7, "Echo", "brand", at(10))]
    decision = choose_branch(branches)
    assert (decision.chosen.id, decision.reason) == (6, "round_robin")
    assert decision.details == {"franchise": "Delta", "last": at(8).isoformat()}


def test_a_branch_that_never_received_a_lead_comes_before_all_and_ties_go_to_the_oldest():
    branches = [Branch(9, "New", "brand", None), Branch(5, "Bravo", "brand", at(1)), Branch(8, "Newer", "basic", None)]
    assert choose_branch(branches).chosen.id == 8


def test_a_branch_that_had_the_lead_is_not_asked_again():
    branches = [Branch(5, "Bravo", "brand", at(9)), Branch(7, "Alpha", "official", at(8))]
    assert choose_branch(branches, tried={7}).chosen.id == 5
    assert choose_branch(branches, tried={7}).reason == "round_robin"
    decision = choose_branch(branches, tried={5, 7})
    assert (decision.chosen, decision.reason) == (None, "no_branch_left")


def test_a_region_without_branches_says_so_and_head_office_is_never_a_branch():
    assert choose_branch([]).reason == "no_branch"
    assert choose_branch([Branch(1, "Head office", "head_office", None)]).chosen is None
