"""Rules for what the app posts to the books (rebate Journal Entries and credit notes, diversion
fines): the amount in the party account's currency, and which postings the app may reverse.

Amounts are computed in the company's currency (volumes are base amounts); the dealer's
receivable may be kept in another currency, so the posting carries the party-currency amount at
the day's rate, and the company-currency side is what that amount is worth at that rate.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from dealer_relations.engine.errors import RuleViolation, _
from dealer_relations.engine.money import cents, dec, round_half_up


@dataclass(frozen=True, slots=True)
class PartyAmount:
	currency: str  # the party account's currency
	rate: Decimal  # company currency per unit of ``currency`` (1 when they are the same)
	amount: Decimal  # in ``currency``, rounded to its cents


def check_exchange_rate(from_currency: str, to_currency: str, rate, day) -> Decimal:
	"""A posting in a foreign currency needs the day's rate: without one, nothing is posted."""
	rate = dec(rate)
	if from_currency != to_currency and rate <= 0:
		raise RuleViolation(
			_("No exchange rate from {0} to {1} on {2}: add a Currency Exchange record for that day"),
			(from_currency, to_currency, day),
			"currency",
			_("Missing Exchange Rate"),
		)
	return rate if from_currency != to_currency else Decimal(1)


def in_party_currency(
	amount, company_currency: str, party_currency: str, rate, precision: int = 2
) -> PartyAmount:
	"""``amount`` (company currency) in the party account's currency at ``rate`` (company currency
	per party-currency unit), rounded half up to the party currency's cents."""
	amount = dec(amount)
	if party_currency == company_currency:
		return PartyAmount(company_currency, Decimal(1), amount)
	rate = dec(rate)
	if rate <= 0:
		raise ValueError("a foreign-currency amount needs a positive exchange rate")
	return PartyAmount(party_currency, rate, round_half_up(amount / rate, cents(precision)))


def check_posted_for(
	doctype: str,
	name: str,
	posted_for_doctype: str | None,
	posted_for: str | None,
	record_doctype: str,
	record_name: str,
) -> None:
	"""The app reverses a posting only when the posting itself says it was made for this record
	(a back-reference written when it was posted): a link that points elsewhere is refused."""
	if (posted_for_doctype, posted_for) != (record_doctype, record_name):
		raise RuleViolation(
			_(
				"{0} {1} was not posted by Dealer Relations for {2} {3}: it is not cancelled. Ask an Accounts Manager to review the link"
			),
			(doctype, name, record_doctype, record_name),
			None,
			_("Not This Record's Posting"),
		)
