"""Postings in the party account's currency, and which postings the app may reverse."""

from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dealer_relations.engine.errors import RuleViolation
from dealer_relations.engine.postings import (
	PartyAmount,
	TaxSplit,
	check_exchange_rate,
	check_posted_for,
	check_rebate_tax_rows,
	in_party_currency,
	split_rebate_tax,
	tax_split_differs,
)


def test_same_currency_posts_the_amount_as_it_is():
	assert in_party_currency(D("1234.56"), "CNY", "CNY", 0) == PartyAmount("CNY", D(1), D("1234.56"))


def test_a_usd_dealer_of_a_cny_company_is_credited_the_worth_in_usd():
	# 7,100 CNY at 7.1 CNY per USD is 1,000 USD; 100 CNY at 7.0912 is 14.10 USD (14.1019 rounded)
	assert in_party_currency(D(7100), "CNY", "USD", D("7.1")) == PartyAmount("USD", D("7.1"), D("1000.00"))
	assert in_party_currency(D(100), "CNY", "USD", "7.0912").amount == D("14.10")
	assert in_party_currency(D("0.05"), "CNY", "USD", D(10)).amount == D("0.01")  # half up


@given(
	amount=st.decimals(min_value=D("0.01"), max_value=D("10000000"), places=2),
	rate=st.decimals(min_value=D("0.0001"), max_value=D("10000"), places=4),
)
def test_the_party_amount_is_worth_the_company_amount_within_half_a_cent_at_the_rate(amount, rate):
	posted = in_party_currency(amount, "CNY", "USD", rate)
	assert abs(posted.amount * rate - amount) <= D("0.005") * rate


def test_a_foreign_posting_without_a_rate_is_refused():
	with pytest.raises(RuleViolation) as info:
		check_exchange_rate("USD", "CNY", 0, "2026-12-04")
	assert info.value.title == "Missing Exchange Rate" and "USD" in str(info.value)
	assert check_exchange_rate("USD", "CNY", 7.1, "2026-12-04") == D("7.1")
	assert check_exchange_rate("CNY", "CNY", 0, "2026-12-04") == D(1)
	with pytest.raises(ValueError):
		in_party_currency(D(1), "CNY", "USD", 0)


def test_only_a_posting_that_names_the_record_is_reversed():
	check_posted_for("Journal Entry", "JV-1", "Diversion Incident", "DIV-1", "Diversion Incident", "DIV-1")
	for stored in ((None, None), ("Diversion Incident", "DIV-2"), ("Rebate Settlement", "DIV-1")):
		with pytest.raises(RuleViolation) as info:
			check_posted_for("Journal Entry", "JV-1", *stored, "Diversion Incident", "DIV-1")
		assert "JV-1" in str(info.value) and "DIV-1" in str(info.value)


# -- VAT on rebate credit notes (红字发票) ---------------------------------------------------------------

CENT = D("0.01")
REBATES = st.decimals(min_value=D("0.01"), max_value=D("100000000"), places=2)
VAT_RATES = st.lists(st.sampled_from([D(13), D(9), D(6), D(3), D("0.5"), D(0)]), min_size=1, max_size=3)


def test_a_tax_inclusive_rebate_is_split_into_net_and_vat():
	# 11,300 含税 at 13 %: 10,000 net and 1,300 VAT
	assert split_rebate_tax(D(11_300), [D(13)], True) == TaxSplit(D("10000.00"), (D("1300.00"),))
	# 1.00 at 13 %: net 0.88 (0.8849...), VAT 0.11 (0.1144): ERPNext books the last cent to Round Off
	split = split_rebate_tax(D(1), [13], True)
	assert (split.net, split.taxes, split.round_off, split.gross) == (
		D("0.88"),
		(D("0.11"),),
		D("0.01"),
		D("1.00"),
	)


def test_a_net_rebate_gets_the_vat_on_top():
	assert split_rebate_tax(D(10_000), [13], False) == TaxSplit(D("10000.00"), (D("1300.00"),))
	split = split_rebate_tax(D("1234.56"), [13], False)
	assert (split.net, split.tax, split.gross) == (D("1234.56"), D("160.49"), D("1395.05"))  # 160.4928


@given(rebate=REBATES, rates=VAT_RATES)
def test_tax_inclusive_net_and_taxes_close_the_rebate_within_a_cent_per_row(rebate, rates):
	split = split_rebate_tax(rebate, rates, True)
	assert split.gross == rebate  # the dealer is credited exactly the rebate
	assert split.net + split.tax + split.round_off == rebate
	assert abs(split.round_off) <= CENT * len(rates)
	# the net is the gross without the VAT, to the cent
	assert abs(split.net * (100 + sum(rates)) / 100 - rebate) <= CENT * (100 + sum(rates)) / 100
	assert split.net >= 0 and all(tax >= 0 for tax in split.taxes)


@given(rebate=REBATES, rates=VAT_RATES)
def test_on_a_net_basis_the_net_is_the_rebate_and_each_tax_its_rate_of_it(rebate, rates):
	split = split_rebate_tax(rebate, rates, False)
	assert split.net == rebate and split.round_off == 0
	assert split.gross == rebate + split.tax
	for rate, tax in zip(rates, split.taxes, strict=True):
		assert abs(tax - rebate * rate / 100) <= D("0.005")


def test_a_zero_rate_adds_nothing_and_a_negative_rate_is_refused():
	assert split_rebate_tax(D(500), [0], True) == TaxSplit(D("500.00"), (D("0.00"),))
	with pytest.raises(ValueError):
		split_rebate_tax(D(500), [-13], True)


def test_a_template_with_rows_not_on_net_total_is_refused():
	check_rebate_tax_rows("VAT 13%", ["On Net Total", "On Net Total"])
	for kinds in ([], ["On Net Total", "Actual"], ["On Previous Row Amount"]):
		with pytest.raises(RuleViolation) as info:
			check_rebate_tax_rows("VAT 13%", kinds)
		assert "VAT 13%" in str(info.value) and info.value.title == "Invalid Tax Template"
	with pytest.raises(RuleViolation) as info:
		check_rebate_tax_rows("VAT 13%", ["Actual", "On Net Total"])
	assert "Actual" in str(info.value)


def test_a_posted_split_is_judged_on_the_figure_that_must_be_exact():
	inclusive = split_rebate_tax(D(11_300), [13], True)
	assert tax_split_differs(inclusive, D(10_000), [D(1_300)], D(11_300), True) is None
	# ERPNext's rounding of an exact half may put a row a cent apart: allowed
	assert tax_split_differs(inclusive, D("10000.01"), [D("1299.99")], D(11_300), True) is None
	assert tax_split_differs(inclusive, D(10_000), [D(1_300)], D(11_301), True) == "gross"
	# an Item Tax Template that charges the Rebate Item 0 %
	assert tax_split_differs(inclusive, D(11_300), [D(0)], D(11_300), True) == "taxes"
	net = split_rebate_tax(D(10_000), [13], False)
	assert tax_split_differs(net, D(10_000), [D(1_300)], D(11_300), False) is None
	assert tax_split_differs(net, D("8849.56"), [D("1150.44")], D(10_000), False) == "net"
	assert tax_split_differs(net, D(10_000), [D(1_300), D(100)], D(11_400), False) == "taxes"
