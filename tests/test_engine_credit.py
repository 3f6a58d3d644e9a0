from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dealer_relations.engine.credit import (
	ALLOW,
	BLOCK,
	BLOCKED_POLICY,
	BLOCKED_STATUS,
	DEFAULT_GRADE_BANDS,
	DEFAULT_WEIGHTS,
	DIVERSIONS,
	FACTOR_NAMES,
	NAME_SEPARATOR,
	NEEDS_APPROVAL,
	ON_TIME_SHARE,
	OTHER_COMPANY,
	OVER_LIMIT,
	PASS,
	REQUIRE_APPROVAL,
	CreditConfig,
	CreditFacts,
	Exposure,
	GradeBand,
	Invoice,
	average_monthly_sales,
	carried_share,
	check_grade_bands,
	check_manual_limit,
	check_override_reason_author,
	check_weights,
	effective_limit,
	exposure_from_rows,
	exposure_from_sums,
	grade_for,
	judge_credit,
	limit_for,
	months_between,
	names_by_part,
	nothing_held_elsewhere,
	payment_record,
	rate,
	score,
)
from dealer_relations.engine.errors import RuleViolation

D = date
AS_OF = D(2026, 6, 30)
money = st.decimals(min_value=1, max_value=1_000_000, places=2, allow_nan=False, allow_infinity=False)


def test_default_weights_add_up_to_100_and_bands_are_valid():
	check_weights(DEFAULT_WEIGHTS)
	check_grade_bands(DEFAULT_GRADE_BANDS)
	assert [b.grade for b in DEFAULT_GRADE_BANDS] == ["AAA", "AA", "A", "B", "C", "D"]


# -- punctuality from invoices -----------------------------------------------------------------------


def test_payment_record_on_time_late_and_open():
	invoices = [
		Invoice(Decimal(1000), D(2026, 5, 1), ((D(2026, 4, 28), Decimal(1000)),)),  # on time
		Invoice(Decimal(500), D(2026, 5, 1), ((D(2026, 5, 11), Decimal(500)),)),  # 10 days late
		Invoice(Decimal(200), D(2026, 6, 10)),  # open, 20 days overdue
		Invoice(Decimal(900), D(2026, 7, 15)),  # not yet due: ignored
	]
	record = payment_record(invoices, AS_OF)
	assert record.due_amount == 1700
	assert record.paid_on_time == 1000
	assert record.late_amount_days == 500 * 10 + 200 * 20
	assert record.worst_overdue_days == 20
	assert record.on_time_share.quantize(Decimal("0.01")) == Decimal("58.82")
	assert record.average_days_late.quantize(Decimal("0.01")) == Decimal("5.29")


def test_payment_after_the_rating_date_counts_as_open():
	record = payment_record([Invoice(Decimal(100), D(2026, 6, 1), ((D(2026, 7, 5), Decimal(100)),))], AS_OF)
	assert record.paid_on_time == 0 and record.worst_overdue_days == 29


def test_no_due_invoices_gives_neutral_points_not_zero():
	value, factors = score(CreditFacts())
	by_name = {f.factor: f for f in factors}
	assert by_name[ON_TIME_SHARE].value is None
	assert by_name[ON_TIME_SHARE].points == Decimal("12.50")
	assert value < 60


def test_factors_are_explained_with_value_weight_points():
	facts = CreditFacts(
		payment_record([Invoice(Decimal(1000), D(2026, 5, 1), ((D(2026, 4, 1), Decimal(1000)),))], AS_OF),
		relationship_months=40,
		sales_last_12=Decimal(1_500_000),
		sales_prior_12=Decimal(1_000_000),
		returns_last_12=Decimal(0),
	)
	value, factors = score(facts)
	assert [f.factor for f in factors] == list(FACTOR_NAMES)
	assert sum(f.points for f in factors) == value == 100
	assert all(f.points == f.weight for f in factors)


# -- grading, limits ---------------------------------------------------------------------------------


def test_grade_bands():
	assert grade_for(Decimal(95)).grade == "AAA"
	assert grade_for(Decimal(90)).grade == "AAA"
	assert grade_for(Decimal("89.9")).grade == "AA"
	assert grade_for(Decimal(60)).grade == "B"
	assert grade_for(Decimal(50)).order_policy == REQUIRE_APPROVAL
	assert grade_for(Decimal(10)).order_policy == BLOCK


def test_limit_is_multiple_of_monthly_sales_with_tier_floor():
	band = GradeBand("A", Decimal(70), Decimal(2), ALLOW)
	assert limit_for(band, Decimal(100_000), Decimal(50_000)) == Decimal(200_000)
	assert limit_for(band, Decimal(10_000), Decimal(50_000)) == Decimal(50_000)
	assert average_monthly_sales(CreditFacts(relationship_months=6, sales_last_12=Decimal(60_000))) == 10_000
	assert (
		average_monthly_sales(CreditFacts(relationship_months=30, sales_last_12=Decimal(120_000))) == 10_000
	)


def test_rate_puts_it_together():
	facts = CreditFacts(
		relationship_months=24, sales_last_12=Decimal(240_000), sales_prior_12=Decimal(200_000)
	)
	rating = rate(facts, Decimal(50_000))
	assert rating.grade == grade_for(rating.score).grade
	assert rating.credit_limit == max(
		Decimal(50_000), rating.average_monthly_sales * grade_for(rating.score).limit_multiple
	)


def test_months_between():
	assert months_between(D(2025, 1, 15), D(2026, 1, 15)) == 12
	assert months_between(D(2025, 1, 15), D(2026, 1, 14)) == 11
	assert months_between(D(2026, 1, 15), D(2025, 1, 15)) == 0


# -- bad settings ----------------------------------------------------------------------------------------


def test_weights_must_add_to_100_and_not_be_negative():
	with pytest.raises(RuleViolation) as info:
		check_weights({**DEFAULT_WEIGHTS, DIVERSIONS: Decimal(11)})
	assert "add up to 100" in info.value.message and info.value.field == "weight_on_time_share"
	with pytest.raises(RuleViolation) as info:
		check_weights({**DEFAULT_WEIGHTS, DIVERSIONS: Decimal(-10), ON_TIME_SHARE: Decimal(45)})
	assert info.value.field == "weight_diversions"


@pytest.mark.parametrize(
	"bands, words",
	[
		((), "at least one"),
		((GradeBand("A", Decimal(50), Decimal(1)), GradeBand("B", Decimal(60), Decimal(1))), "below"),
		((GradeBand("A", Decimal(50), Decimal(1)), GradeBand("B", Decimal(50), Decimal(1))), "below"),
		((GradeBand("A", Decimal(50), Decimal(1)), GradeBand("A", Decimal(0), Decimal(1))), "more than once"),
		((GradeBand("A", Decimal(50), Decimal(1)),), "Min Score 0"),
		(
			(GradeBand("A", Decimal(120), Decimal(1)), GradeBand("B", Decimal(0), Decimal(1))),
			"between 0 and 100",
		),
		((GradeBand("A", Decimal(0), Decimal(-1)),), "negative"),
		((GradeBand("A", Decimal(0), Decimal(1), "Maybe"),), "not valid"),
	],
)
def test_bad_grade_bands(bands, words):
	with pytest.raises(RuleViolation) as info:
		check_grade_bands(bands)
	assert words in info.value.message
	assert info.value.field == "credit_grades"


def test_manual_limit_needs_reason_and_no_negative():
	check_manual_limit(False, None, None)
	check_manual_limit(True, Decimal(1000), "Bank guarantee")
	with pytest.raises(RuleViolation) as info:
		check_manual_limit(True, Decimal(-1), "x")
	assert info.value.field == "manual_credit_limit"
	with pytest.raises(RuleViolation) as info:
		check_manual_limit(True, Decimal(1000), "  ")
	assert info.value.field == "manual_limit_reason"


# -- exposure rule ------------------------------------------------------------------------------------


def test_exposure_total():
	exposure = Exposure(Decimal(100), Decimal(50), Decimal(30), Decimal(20))
	assert exposure.total == 160


def test_effective_limit():
	assert effective_limit(Decimal(100), Decimal(50)) == 100
	assert effective_limit(Decimal(0), Decimal(50)) == 50
	assert effective_limit(None, Decimal(0)) is None


@given(limit=money, tier_default=st.one_of(st.none(), money))
def test_pinned_limit_binds_as_it_stands(limit, tier_default):
	"""A Credit Controller's pinned limit is the limit: never replaced by the tier's default."""
	assert effective_limit(limit, tier_default, pinned=True) == limit


@given(tier_default=st.one_of(st.none(), st.just(Decimal(0)), money))
def test_pinned_zero_means_no_credit(tier_default):
	"""Finding 12b: a pinned 0 fell back to the tier default or to unlimited."""
	limit = effective_limit(Decimal(0), tier_default, pinned=True)
	assert limit == 0
	decision = judge(limit=limit, exposure=Exposure(Decimal(0), Decimal(0), Decimal("0.01"), Decimal(0)))
	assert decision.blocked and decision.reason == OVER_LIMIT
	prepaid = judge(limit=limit, exposure=Exposure(Decimal(0), Decimal(0), Decimal(5), Decimal(5)))
	assert not prepaid.blocked


@given(exposure=money)
def test_dealer_of_another_company_needs_a_controller_whatever_its_exposure(exposure):
	"""Finding 9: a dealer rated in company A has no credit standing in company B."""
	exposure = Exposure(Decimal(0), Decimal(0), exposure, Decimal(0))
	decision = judge(limit=None, exposure=exposure, other_company=("A Co", "B Co"))
	assert decision.blocked and decision.reason == OTHER_COMPANY
	assert decision.violation.args[1:] == ("A Co", "B Co")
	approved = judge(
		limit=None,
		exposure=exposure,
		other_company=("A Co", "B Co"),
		override_reason="sister company",
		is_credit_controller=True,
	)
	assert approved.overridden and not approved.blocked
	refused = judge(limit=None, exposure=exposure, other_company=("A Co", "B Co"), override_reason="me")
	assert refused.blocked and refused.override_refused
	suspended = judge(status="Suspended", exposure=exposure, other_company=("A Co", "B Co"))
	assert suspended.reason == BLOCKED_STATUS


def judge(**kwargs):
	args = dict(
		dealer="D1",
		status="Active",
		grade="A",
		order_policy=ALLOW,
		limit=Decimal(1000),
		exposure=Exposure(Decimal(500), Decimal(0), Decimal(400), Decimal(0)),
	)
	args.update(kwargs)
	return judge_credit(**args)


def test_within_limit_passes():
	decision = judge()
	assert decision.reason == PASS and not decision.blocked


def test_over_limit_blocks_with_amounts():
	decision = judge(exposure=Exposure(Decimal(800), Decimal(100), Decimal(300), Decimal(50)))
	assert decision.reason == OVER_LIMIT and decision.blocked
	assert decision.shortfall == 150
	assert decision.violation.args == ("D1", Decimal(1000), Decimal(1150), Decimal(150))


def test_status_block_cannot_be_overridden():
	decision = judge(status="Suspended", override_reason="x", is_credit_controller=True)
	assert decision.reason == BLOCKED_STATUS and decision.blocked and not decision.overridden


def test_policy_block_and_approval():
	assert judge(order_policy=BLOCK).reason == BLOCKED_POLICY
	assert judge(order_policy=REQUIRE_APPROVAL).reason == NEEDS_APPROVAL
	assert judge(order_policy=REQUIRE_APPROVAL).blocked


def test_override_only_by_credit_controller():
	over = Exposure(Decimal(2000))
	decision = judge(exposure=over, override_reason="Paid by wire today", is_credit_controller=True)
	assert decision.overridden and not decision.blocked
	refused = judge(exposure=over, override_reason="Paid by wire today", is_credit_controller=False)
	assert refused.blocked and refused.override_refused and not refused.overridden
	assert not judge(exposure=over, is_credit_controller=True).overridden


def test_no_limit_means_only_status_and_policy():
	assert not judge(limit=None, exposure=Exposure(Decimal(10**9))).blocked
	assert judge(limit=None, order_policy=BLOCK).blocked


def test_override_reason_author():
	check_override_reason_author(True, "ok", True)
	check_override_reason_author(False, "set earlier by a controller", False)
	with pytest.raises(RuleViolation) as info:
		check_override_reason_author(True, "please", False)
	assert info.value.field == "credit_override_reason"


# -- properties ------------------------------------------------------------------------------------------

invoice_strategy = st.builds(
	lambda amount, due_offset, paid_offset, paid_share: Invoice(
		amount,
		AS_OF - timedelta(days=due_offset),
		(
			(
				AS_OF - timedelta(days=due_offset) + timedelta(days=paid_offset),
				(amount * paid_share).quantize(Decimal("0.01")),
			),
		),
	),
	money,
	st.integers(min_value=-30, max_value=400),
	st.integers(min_value=-60, max_value=200),
	st.decimals(min_value=0, max_value=1, places=2),
)


def facts_from(invoices, **kwargs):
	return CreditFacts(payment_record(invoices, AS_OF), **kwargs)


@given(
	st.lists(invoice_strategy, min_size=1, max_size=8),
	st.integers(min_value=0, max_value=7),
	st.integers(min_value=1, max_value=300),
	st.integers(min_value=0, max_value=60),
	money,
	money,
)
def test_paying_later_never_raises_the_score(invoices, which, delay, months, sales, prior):
	which %= len(invoices)
	invoice = invoices[which]
	later = Invoice(
		invoice.amount,
		invoice.due_date,
		tuple((paid_on + timedelta(days=delay), amt) for paid_on, amt in invoice.payments),
	)
	delayed = [*invoices[:which], later, *invoices[which + 1 :]]
	kwargs = dict(relationship_months=months, sales_last_12=sales, sales_prior_12=prior)
	before, _f = score(facts_from(invoices, **kwargs))
	after, _f = score(facts_from(delayed, **kwargs))
	assert after <= before


@given(st.integers(min_value=0, max_value=20), st.integers(min_value=1, max_value=5), money, money)
def test_more_diversions_never_raise_the_score(count, more, sales, prior):
	base = CreditFacts(
		relationship_months=12, sales_last_12=sales, sales_prior_12=prior, diversions_12m=count
	)
	worse = CreditFacts(
		relationship_months=12, sales_last_12=sales, sales_prior_12=prior, diversions_12m=count + more
	)
	assert score(worse)[0] <= score(base)[0]


@given(
	money,
	money,
	money,
	money,
	money,
	st.sampled_from([ALLOW, REQUIRE_APPROVAL, BLOCK]),
	st.sampled_from(["Active", "Prospect", "Suspended"]),
	st.booleans(),
	st.booleans(),
)
def test_more_exposure_never_turns_a_block_into_a_pass(
	limit, outstanding, this_document, extra, advances, policy, status, reason, controller
):
	low = Exposure(outstanding, Decimal(0), this_document, advances)
	high = Exposure(outstanding + extra, Decimal(0), this_document, advances)
	kwargs = dict(
		dealer="D",
		status=status,
		grade="X",
		order_policy=policy,
		limit=limit,
		override_reason="why" if reason else None,
		is_credit_controller=controller,
	)
	if judge_credit(exposure=low, **kwargs).blocked:
		assert judge_credit(exposure=high, **kwargs).blocked


@given(st.decimals(min_value=0, max_value=100, places=1))
def test_every_score_has_exactly_one_grade(value):
	band = grade_for(value)
	assert value >= band.min_score
	better = [b for b in DEFAULT_GRADE_BANDS if b.min_score > band.min_score]
	assert all(value < b.min_score for b in better)


@given(st.lists(invoice_strategy, max_size=8), st.integers(min_value=0, max_value=100))
def test_score_stays_within_0_and_100(invoices, diversions):
	value, factors = score(facts_from(invoices, diversions_12m=diversions), CreditConfig())
	assert 0 <= value <= 100
	assert all(0 <= f.points <= f.weight for f in factors)


@given(
	st.decimals(min_value=0, max_value=10**7, places=2),
	st.decimals(min_value=-100, max_value=10**7, places=2),
	st.one_of(st.none(), st.decimals(min_value=-100, max_value=10**7, places=2)),
)
def test_carried_share_never_exceeds_the_base_or_what_is_left(base, amount, left):
	share = carried_share(base, amount, left)
	assert 0 <= share <= base
	if amount <= 0 or left is None or left <= 0:
		assert share == 0
	elif left >= amount:
		assert share == base  # the whole line only moves exposure counted already


def test_carried_share_of_a_partly_billed_line():
	# billing 1,000 of an order line with 400 left: 40 % of the base moves counted exposure
	assert carried_share(Decimal("1130.00"), Decimal("1000"), Decimal("400")) == Decimal("452.000")


# -- reading exposure under the dealer's lock -----------------------------------------------------


def exposure_rows(parts: dict[str, list[str]], cut: str | None = None) -> list[tuple]:
	"""The exposure statement's rows for ``parts`` ({part: names}); ``cut``: that part's list lost
	its last name (as GROUP_CONCAT cuts a too long value)."""
	rows = []
	for part, names in parts.items():
		listed = names[:-1] if part == cut and names else names
		rows.append((part, None, None, 0, 0, len(names), NAME_SEPARATOR.join(listed)))
	return rows


def test_nothing_held_elsewhere_examples():
	here = {"invoices": ["SINV-1", "SINV-2"], "ledger": ["PLE-1"], "orders": []}
	assert nothing_held_elsewhere(exposure_rows(here), exposure_rows(here))
	# this transaction's own new invoice is not in the committed read: still nothing held elsewhere
	assert nothing_held_elsewhere(exposure_rows(here), exposure_rows({"invoices": ["SINV-1"]}))
	# an invoice only the committed read saw: another transaction holds it
	assert not nothing_held_elsewhere(exposure_rows(here), exposure_rows({"invoices": ["SINV-3"]}))
	# the same name in another part is not the same row
	assert not nothing_held_elsewhere(exposure_rows(here), exposure_rows({"orders": ["SINV-1"]}))
	# a list cut short proves nothing, on either side
	assert not nothing_held_elsewhere(exposure_rows(here, cut="invoices"), exposure_rows(here))
	assert not nothing_held_elsewhere(exposure_rows(here), exposure_rows(here, cut="ledger"))
	# the ledger's vouchers are several rows of one part
	split = [("ledger", "PE", "PE-1", 5, 0, 1, "PLE-1"), ("ledger", "PE", "PE-2", -5, 0, 1, "PLE-2")]
	assert nothing_held_elsewhere(split, [("ledger", "PE", "PE-2", -5, 0, 1, "PLE-2")])
	assert names_by_part([("orders", None, None, None, 0, 0, None)]) == {"orders": set()}


part_names = st.dictionaries(
	st.sampled_from(["invoices", "ledger", "orders", "deliveries"]),
	st.sets(st.text("ABCDEF-0123456789", min_size=1, max_size=6), max_size=6),
)


@given(part_names, part_names)
def test_nothing_held_elsewhere_is_inclusion_part_by_part(here, committed):
	rows_here = exposure_rows({part: sorted(names) for part, names in here.items()})
	rows_committed = exposure_rows({part: sorted(names) for part, names in committed.items()})
	expected = all(names <= here.get(part, set()) for part, names in committed.items())
	assert nothing_held_elsewhere(rows_here, rows_committed) == expected


def as_the_statement_sums(rows: dict[str, list[tuple]]) -> list[tuple]:
	"""What the exposure statement returns for these open rows: a row per part (invoices split into
	what is positive and negative), a row per Payment Ledger voucher; names and counts too."""

	def row(part, receivable, advanced, names, voucher=(None, None)):
		return (part, *voucher, receivable, advanced, len(names), NAME_SEPARATOR.join(names))

	invoices = rows["invoices"]
	out = [
		row(
			"invoices",
			sum((a for _n, a in invoices if a > 0), Decimal(0)),
			sum((a for _n, a in invoices if a < 0), Decimal(0)),
			[n for n, _a in invoices],
		)
	]
	vouchers: dict[tuple, list] = {}
	for name, amount, kind, voucher in rows["ledger"]:
		vouchers.setdefault((kind, voucher), []).append((name, amount))
	for key, entries in vouchers.items():
		out.append(row("ledger", sum(a for _n, a in entries), 0, [n for n, _a in entries], key))
	for part in ("orders", "deliveries"):
		out.append(row(part, sum((a for _n, a in rows[part]), Decimal(0)), 0, [n for n, _a in rows[part]]))
	return out


signed_money = st.decimals(
	min_value=-100_000, max_value=100_000, places=2, allow_nan=False, allow_infinity=False
)
open_rows = st.fixed_dictionaries(
	{
		"invoices": st.lists(signed_money, max_size=6),
		"ledger": st.lists(st.tuples(st.sampled_from(["PE-1", "PE-2", "JV-1"]), signed_money), max_size=6),
		"orders": st.lists(signed_money.filter(lambda a: a > 0), max_size=4),
		"deliveries": st.lists(signed_money.filter(lambda a: a > 0), max_size=4),
	}
)


@given(open_rows)
def test_the_statements_sums_give_the_row_by_row_exposure(drawn):
	"""The one-statement read (sums per part, per ledger voucher) and the row-by-row read agree:
	an invoice or a ledger voucher is receivable when positive, an advance when negative."""
	rows = {
		"invoices": [(f"SINV-{i}", a) for i, a in enumerate(drawn["invoices"])],
		"ledger": [(f"PLE-{i}", a, "Payment Entry", v) for i, (v, a) in enumerate(drawn["ledger"])],
		"orders": [(f"SO-{i}", a) for i, a in enumerate(drawn["orders"])],
		"deliveries": [(f"DNI-{i}", a) for i, a in enumerate(drawn["deliveries"])],
	}
	by_rows = exposure_from_rows(rows)
	by_sums = exposure_from_sums(as_the_statement_sums(rows))
	assert by_sums == by_rows
	assert by_rows.outstanding >= 0 and by_rows.unallocated_advances >= 0


def test_exposure_examples():
	rows = {
		"invoices": [("SINV-1", Decimal(300)), ("SINV-2", Decimal(-50))],  # a credit note's own balance
		"ledger": [
			("PLE-1", Decimal(-250), "Payment Entry", "PE-1"),  # an unallocated payment
			("PLE-2", Decimal(100), "Journal Entry", "JV-1"),
			("PLE-3", Decimal(-40), "Journal Entry", "JV-1"),  # JV-1 nets to 60 receivable
		],
		"orders": [("SO-1", Decimal(400))],
		"deliveries": [("DNI-1", Decimal(150))],
	}
	expected = Exposure(
		outstanding=Decimal(360), unbilled_orders=Decimal(550), unallocated_advances=Decimal(300)
	)
	assert exposure_from_rows(rows) == expected
	assert exposure_from_sums(as_the_statement_sums(rows)) == expected
