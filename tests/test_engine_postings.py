"""Postings in the party account's currency, and which postings the app may reverse."""

from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dealer_relations.engine.errors import RuleViolation
from dealer_relations.engine.postings import (
	PartyAmount,
	check_exchange_rate,
	check_posted_for,
	in_party_currency,
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
