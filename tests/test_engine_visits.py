from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dealer_relations.engine.errors import RuleViolation
from dealer_relations.engine.visits import (
	DealerVisits,
	assess_checkin,
	check_coordinates,
	check_visit,
	check_visit_rep,
	coverage_by_rep,
	distance_m,
	due_as_of,
	is_overdue,
	next_visit_due,
	share,
	total_coverage,
	visited_on_cadence,
)

D = date


# -- next due / overdue ----------------------------------------------------------------------------


def test_next_due_is_last_visit_plus_interval():
	assert next_visit_due(D(2026, 3, 1), 14) == D(2026, 3, 15)
	assert next_visit_due(datetime(2026, 3, 1, 16, 30), 7) == D(2026, 3, 8)


def test_explicit_next_visit_wins_only_when_earlier():
	assert next_visit_due(D(2026, 3, 1), 14, D(2026, 3, 5)) == D(2026, 3, 5)
	assert next_visit_due(D(2026, 3, 1), 14, D(2026, 3, 30)) == D(2026, 3, 15)


def test_never_visited_dealer_is_due_one_interval_after_it_was_created():
	assert next_visit_due(None, 30, since=D(2026, 1, 1)) == D(2026, 1, 31)
	assert next_visit_due(None, 30) is None


@given(
	st.dates(min_value=D(2000, 1, 1), max_value=D(2090, 1, 1)),
	st.integers(min_value=1, max_value=365),
	st.one_of(st.none(), st.dates(min_value=D(2000, 1, 1), max_value=D(2092, 1, 1))),
)
def test_next_due_never_later_than_cadence(last, interval, explicit):
	due = next_visit_due(last, interval, explicit)
	assert due <= last + timedelta(days=interval)
	assert due == last + timedelta(days=interval) or due == explicit


def test_overdue_only_after_due_date_and_only_for_worked_dealers():
	today = D(2026, 5, 10)
	assert is_overdue(D(2026, 5, 9), today, "Active")
	assert is_overdue(D(2026, 5, 9), today, "Prospect")
	assert not is_overdue(D(2026, 5, 10), today, "Active")
	assert not is_overdue(None, today, "Active")
	assert not is_overdue(D(2026, 1, 1), today, "Suspended")
	assert not is_overdue(D(2026, 1, 1), today, "Terminated")


# -- visit validation ----------------------------------------------------------------------------------


NOW = datetime(2026, 6, 1, 12, 0)


def test_valid_visit():
	check_visit(NOW, NOW, datetime(2026, 1, 1), D(2026, 6, 10))
	check_visit(NOW + timedelta(minutes=2), NOW, None)  # clock skew tolerated


def test_future_visit_rejected():
	with pytest.raises(RuleViolation) as info:
		check_visit(NOW + timedelta(hours=2), NOW, None)
	assert info.value.field == "visit_date"


def test_visit_before_dealer_existed_rejected():
	with pytest.raises(RuleViolation) as info:
		check_visit(datetime(2025, 12, 31, 9), NOW, datetime(2026, 1, 1, 8))
	assert info.value.field == "visit_date"
	check_visit(datetime(2026, 1, 1, 7), NOW, datetime(2026, 1, 1, 8))  # same day is fine


def test_next_visit_must_follow_visit():
	with pytest.raises(RuleViolation) as info:
		check_visit(NOW, NOW, None, D(2026, 6, 1))
	assert info.value.field == "next_visit_date"


def test_rep_logs_only_own_dealers():
	check_visit_rep("D1", "me", "me", True)
	check_visit_rep("D1", "you", "boss", False)
	for rep in ("you", None):
		with pytest.raises(RuleViolation) as info:
			check_visit_rep("D1", rep, "me", True)
		assert info.value.field == "dealer"


# -- check-in distance ---------------------------------------------------------------------------------


NANJING = (32.0603, 118.7969)
SUZHOU = (31.2989, 120.5853)


def test_distance_between_cities():
	assert 180_000 < distance_m(*NANJING, *SUZHOU) < 200_000
	assert distance_m(*NANJING, *NANJING) == 0


@given(
	st.floats(min_value=-89, max_value=89),
	st.floats(min_value=-179, max_value=179),
	st.floats(min_value=-89, max_value=89),
	st.floats(min_value=-179, max_value=179),
)
def test_distance_is_symmetric_and_bounded(lat1, lon1, lat2, lon2):
	d = distance_m(lat1, lon1, lat2, lon2)
	assert d == pytest.approx(distance_m(lat2, lon2, lat1, lon1), abs=1e-6)
	assert 0 <= d <= 20_037_600  # half the earth's circumference


def test_checkin_assessment():
	near = (32.0612, 118.7969)  # ~100 m north
	assert assess_checkin(near, NANJING, 500).off_site is False
	assert 90 < assess_checkin(near, NANJING, 500).distance_m < 110
	assert assess_checkin(SUZHOU, NANJING, 500).off_site is True
	assert assess_checkin(None, NANJING, 500) == assess_checkin(SUZHOU, None, 500)
	assert assess_checkin(SUZHOU, None, 500).distance_m is None
	assert assess_checkin(SUZHOU, NANJING, 0).off_site is False  # 0 switches the check off


def test_coordinates_validation():
	check_coordinates(None, None)
	check_coordinates(32.0, 118.0)
	for lat, lon in [(32.0, None), (91.0, 0.0), (0.0, 181.0)]:
		with pytest.raises(RuleViolation):
			check_coordinates(lat, lon)


# -- cadence coverage ----------------------------------------------------------------------------------


LONG_AGO = D(2025, 1, 1)


def dealer(visits, interval=14, since=LONG_AGO, tier="B", rep="rep"):
	return DealerVisits("X", rep, tier, interval, since, [(v, None) for v in visits])


START, END = D(2026, 3, 1), D(2026, 3, 31)


def test_on_cadence_when_no_gap_exceeds_interval():
	assert visited_on_cadence(dealer([D(2026, 2, 20), D(2026, 3, 5), D(2026, 3, 19)]), START, END)


def test_gap_inside_period_breaks_cadence():
	assert not visited_on_cadence(dealer([D(2026, 2, 28), D(2026, 3, 20)]), START, END)


def test_tail_gap_breaks_cadence():
	assert not visited_on_cadence(dealer([D(2026, 2, 28), D(2026, 3, 10)]), START, END)


def test_no_visit_before_period_counts_from_dealer_creation():
	assert not visited_on_cadence(dealer([D(2026, 3, 5), D(2026, 3, 19)]), START, END)
	new_dealer = dealer([D(2026, 3, 20)], since=D(2026, 3, 10))
	assert visited_on_cadence(new_dealer, START, END)
	assert visited_on_cadence(dealer([], since=D(2026, 4, 5)), START, END)  # not a dealer yet


def test_due_as_of_uses_only_visits_up_to_that_day():
	d = DealerVisits(
		"X", "rep", "B", 14, D(2025, 1, 1), [(D(2026, 3, 1), D(2026, 3, 4)), (D(2026, 3, 20), None)]
	)
	assert due_as_of(d, D(2026, 3, 10)) == D(2026, 3, 4)
	assert due_as_of(d, D(2026, 3, 25)) == D(2026, 4, 3)
	assert due_as_of(dealer([]), D(2026, 3, 25)) == D(2025, 1, 15)


def test_coverage_by_rep_counts_and_tier_shares():
	dealers = [
		dealer(
			[D(2026, 2, 24), D(2026, 3, 3), D(2026, 3, 10), D(2026, 3, 17), D(2026, 3, 24)],
			interval=7,
			tier="A",
			rep="r1",
		),
		dealer([D(2026, 3, 2), D(2026, 3, 16), D(2026, 3, 30)], interval=14, tier="A", rep="r1"),
		dealer([], interval=30, tier="C", rep="r1"),
		dealer([D(2026, 3, 15)], interval=30, tier="C", rep="r2"),
	]
	reps = coverage_by_rep(dealers, START, END, today=D(2026, 6, 1))
	r1 = reps["r1"]
	assert (r1.dealers, r1.visits, r1.dealers_visited) == (3, 7, 2)
	assert r1.dealers_overdue == 1  # the never-visited C dealer
	# Only the weekly dealer kept cadence: the fortnightly one went unvisited from creation to Mar 2.
	assert r1.dealers_on_cadence == 1
	assert r1.dealer_share("A") == share(2, 3) and r1.visit_share("A") == 100
	assert r1.dealer_share("C") == share(1, 3) and r1.visit_share("C") == 0
	total = total_coverage(reps)
	assert (total.dealers, total.visits, total.dealers_overdue) == (4, 8, 1)
	assert total.visit_share("C") == share(1, 8)


def test_share_rounding_and_zero():
	assert share(1, 3) == share(2, 6) == share(1, 3)
	assert str(share(1, 3)) == "33.3"
	assert str(share(2, 3)) == "66.7"
	assert share(5, 0) == 0


@given(st.lists(st.integers(min_value=0, max_value=120), max_size=15), st.integers(min_value=1, max_value=60))
def test_adding_a_visit_never_breaks_cadence(offsets, interval):
	visits = [START + timedelta(days=o - 60) for o in offsets]
	d = dealer(visits, interval=interval, since=D(2025, 6, 1))
	if visited_on_cadence(d, START, END):
		extra = dealer([*visits, START + timedelta(days=10)], interval=interval, since=D(2025, 6, 1))
		assert visited_on_cadence(extra, START, END)


@given(
	st.lists(st.integers(min_value=-60, max_value=30), max_size=15), st.integers(min_value=1, max_value=60)
)
def test_on_cadence_dealer_is_not_overdue_at_end(offsets, interval):
	d = dealer([START + timedelta(days=o) for o in offsets], interval=interval, since=D(2025, 6, 1))
	if visited_on_cadence(d, START, END):
		assert not is_overdue(due_as_of(d, END), END, "Active")


def test_attention_and_neglected_tiers():
	from dealer_relations.engine.visits import RepCoverage

	rep = RepCoverage("r", dealers=4, visits=10)
	rep.dealers_by_tier.update({"A": 1, "B": 1, "C": 2})
	rep.visits_by_tier.update({"A": 6, "B": 3, "C": 1})
	assert rep.attention("A") == Decimal("2.40")
	assert rep.attention("C") == Decimal("0.20")
	assert rep.attention("Z") is None
	assert rep.neglected_tiers() == ["C"]
	assert rep.neglected_tiers(Decimal("1.3")) == ["C", "B"]
	assert RepCoverage("empty").neglected_tiers() == []


def test_plan_bucket():
	from dealer_relations.engine.visits import PLAN_DUE_SOON, PLAN_LATER, PLAN_OVERDUE, plan_bucket

	today = D(2026, 5, 10)
	assert plan_bucket(D(2026, 5, 9), today, 14) == PLAN_OVERDUE
	assert plan_bucket(D(2026, 5, 10), today, 14) == PLAN_DUE_SOON
	assert plan_bucket(D(2026, 5, 24), today, 14) == PLAN_DUE_SOON
	assert plan_bucket(D(2026, 5, 25), today, 14) == PLAN_LATER
	assert plan_bucket(None, today, 14) is None


@given(st.dates(), st.integers(min_value=0, max_value=400))
def test_plan_bucket_agrees_with_overdue(due, horizon):
	from dealer_relations.engine.visits import PLAN_OVERDUE, plan_bucket

	today = D(2026, 5, 10)
	assert (plan_bucket(due, today, horizon) == PLAN_OVERDUE) == is_overdue(due, today, "Active")
