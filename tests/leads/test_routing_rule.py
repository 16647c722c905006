"""The routing rule as plain functions: the territory, then the official representative, weighted round robin,
none left."""
from dataclasses import replace
from datetime import datetime, timezone
from fractions import Fraction

from leads.routing import Area, Branch, choose_branch, load, locate, weight

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


def test_without_an_official_and_with_equal_figures_the_branch_that_received_a_lead_least_recently_gets_it():
    branches = [Branch(5, "Bravo", "brand", at(9)), Branch(6, "Delta", "basic", at(8)),
                Branch(7, "Echo", "brand", at(10))]
    decision = choose_branch(branches)
    assert (decision.chosen.id, decision.reason) == (6, "weighted_round_robin")
    assert decision.details == {"franchise": "Delta", "last": at(8).isoformat(), "received": 0, "accepted": 0,
                                "refused": 0, "converted": 0, "weight": "0.25", "others": 2}


def test_a_branch_that_never_received_a_lead_comes_before_all_and_ties_go_to_the_oldest():
    branches = [Branch(9, "New", "brand", None), Branch(5, "Bravo", "brand", at(1)), Branch(8, "Newer", "basic", None)]
    assert choose_branch(branches).chosen.id == 8


def test_a_branch_that_had_the_lead_is_not_asked_again():
    branches = [Branch(5, "Bravo", "brand", at(9)), Branch(7, "Alpha", "official", at(8))]
    assert choose_branch(branches, tried={7}).chosen.id == 5
    assert choose_branch(branches, tried={7}).reason == "weighted_round_robin"
    decision = choose_branch(branches, tried={5, 7})
    assert (decision.chosen, decision.reason) == (None, "no_branch_left")


def test_a_region_without_branches_says_so_and_head_office_is_never_a_branch():
    assert choose_branch([]).reason == "no_branch"
    assert choose_branch([Branch(1, "Head office", "head_office", None)]).chosen is None


# --- weighted round robin: the worked examples of leads.routing's docstring ---------------

def test_the_weight_is_smoothed_acceptance_times_smoothed_conversion():
    assert weight(Branch(1, "New", "brand")) == Fraction(1, 4)  # no history: 1/2 × 1/2
    bravo = Branch(5, "Bravo", "brand", received=10, accepted=9, refused=1, converted=9)
    assert weight(bravo) == Fraction(10, 12) * Fraction(10, 11)  # 0.76
    assert load(bravo) == Fraction(11) / weight(bravo)  # 14.5
    delta = Branch(6, "Delta", "basic", received=10, accepted=2, refused=8, converted=1)
    assert weight(delta) == Fraction(3, 12) * Fraction(2, 4) == Fraction(1, 8)
    assert load(delta) == 88


def test_the_branch_furthest_behind_its_share_gets_the_lead_even_if_it_got_one_more_recently():
    bravo = Branch(5, "Bravo", "brand", at(10), received=10, accepted=9, refused=1, converted=9)
    delta = Branch(6, "Delta", "basic", at(8), received=10, accepted=2, refused=8, converted=1)
    decision = choose_branch([delta, bravo])
    assert (decision.chosen.id, decision.reason) == (5, "weighted_round_robin")
    assert (decision.details["weight"], decision.details["received"], decision.details["others"]) == ("0.76", 10, 1)


def test_bravo_takes_the_leads_until_its_load_passes_delta_s_near_66_received():
    """With the figures as they are (the new leads not answered yet), Bravo's load passes 88 near 66 received."""
    delta = Branch(6, "Delta", "basic", at(8), received=10, accepted=2, refused=8, converted=1)
    bravo = Branch(5, "Bravo", "brand", at(9), received=65, accepted=9, refused=1, converted=9)
    assert load(bravo) < load(delta) and choose_branch([delta, bravo]).chosen.id == 5
    bravo = replace(bravo, received=67)
    assert load(bravo) > load(delta) and choose_branch([delta, bravo]).chosen.id == 6


def test_over_many_leads_each_branch_receives_in_proportion_to_its_weight():
    """300 leads, each branch answering as it always does: Bravo accepts and converts every lead, Echo accepts
    every other one and converts half of those, Delta declines them all. Nobody is starved, and the loads stay
    level: shares follow the weights."""
    branches = {5: Branch(5, "Bravo", "brand"), 6: Branch(6, "Delta", "basic"), 7: Branch(7, "Echo", "brand")}
    for n in range(300):
        b = choose_branch(list(branches.values())).chosen
        accepts = b.id == 5 or (b.id == 7 and b.received % 2 == 0)
        branches[b.id] = replace(b, last_lead_at=at(0), received=b.received + 1, accepted=b.accepted + accepts,
                                 refused=b.refused + (not accepts),
                                 converted=b.converted + (accepts and (b.id == 5 or b.accepted % 2 == 0)))
    bravo, delta, echo = branches[5], branches[6], branches[7]
    assert bravo.received + delta.received + echo.received == 300
    assert bravo.received > echo.received > delta.received > 0
    assert (round(float(weight(bravo)), 2), round(float(weight(echo)), 2), round(float(weight(delta)), 2)) == \
        (0.99, 0.25, 0.04)  # 232/234 × 232/233; 31/61 × 16/32; 1/12 × 1/2
    shares = [b.received / weight(b) for b in branches.values()]  # 233, 240, 232
    assert max(shares) / min(shares) < Fraction(11, 10)
