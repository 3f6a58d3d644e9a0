"""Rules for what the app posts to the books (rebate Journal Entries and credit notes, diversion
fines): the amount in the party account's currency, and which postings the app may reverse.

Amounts are computed in the company's currency (volumes are base amounts); the dealer's
receivable may be kept in another currency, so the posting carries the party-currency amount at
the day's rate, and the company-currency side is what that amount is worth at that rate.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from dealer_relations.engine.errors import RuleViolation, _
from dealer_relations.engine.money import HUNDRED, ZERO, cents, dec, round_half_up

ON_NET_TOTAL = "On Net Total"  # the only tax charge type a rebate credit note carries


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


# -- VAT on rebate credit notes (红字发票) ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TaxSplit:
	"""A rebate credit note's amounts (positive, the party currency's cents): ``net`` on the Rebate
	Item line, one ``taxes`` amount per tax row, and ``round_off`` the cent ERPNext books to the
	company's Round Off account when the rows' rounded taxes do not close the tax-inclusive gross."""

	net: Decimal
	taxes: tuple[Decimal, ...]
	round_off: Decimal = ZERO

	@property
	def tax(self) -> Decimal:
		return sum(self.taxes, ZERO)

	@property
	def gross(self) -> Decimal:
		"""What the dealer's receivable is credited (the credit note's grand total)."""
		return self.net + self.tax + self.round_off


def check_credit_note_tax_setup(company: str, template: str | None) -> None:
	"""VAT on rebate credit notes needs a template: the one chosen, else the company's default."""
	if not template:
		raise RuleViolation(
			_(
				"VAT on Rebate Credit Notes is on for Company {0}, but it has no default Sales Taxes and Charges Template: choose a Rebate Credit Note Tax Template in Dealer Relations Settings, Company Settings"
			),
			(company,),
			"rebate_taxes_and_charges",
			_("Missing Tax Template"),
		)


def check_rebate_tax_rows(template: str, charge_types: Sequence[str]) -> None:
	"""A rebate credit note takes the template's rates on its one line: rows charged otherwise
	(an actual amount, on a previous row, per quantity) have no meaning on a rebate."""
	if not charge_types:
		raise RuleViolation(
			_(
				"Sales Taxes and Charges Template {0} has no tax rows: a rebate credit note needs its VAT rate"
			),
			(template,),
			"rebate_taxes_and_charges",
			_("Invalid Tax Template"),
		)
	other = sorted({kind for kind in charge_types if kind != ON_NET_TOTAL})
	if other:
		raise RuleViolation(
			_(
				"Sales Taxes and Charges Template {0} has rows charged {1}: a rebate credit note carries only rows charged On Net Total"
			),
			(template, ", ".join(other)),
			"rebate_taxes_and_charges",
			_("Invalid Tax Template"),
		)


def split_rebate_tax(rebate, rates: Sequence, tax_inclusive: bool, precision: int = 2) -> TaxSplit:
	"""Net and VAT of a rebate credit note whose tax rows charge ``rates`` percent on the net.

	Tax-inclusive (the policy's rates were on 含税 sales): the rebate is the gross, the line's
	rate includes the tax (ERPNext's *Included in Print Rate*), net = gross / (1 + Σ rates) to
	the cent, each row's tax = net × its rate to the cent, and what those rounded taxes leave of
	the gross (a cent or so) is ``round_off``, as ERPNext books it: the dealer is credited
	exactly the rebate. Net basis: the rebate is the net and each row's tax is added on top.

	Each rounding is half up. ERPNext rounds an exact half by the site's rounding method (and a
	credit note's amounts are negative), so a tax that falls on half a cent (a net ending in .50
	at 13 %) may be a cent apart there: ``tax_split_differs`` allows that cent."""
	unit = cents(precision)
	rebate = round_half_up(dec(rebate), unit)
	rates = tuple(dec(rate) for rate in rates)
	if any(rate < 0 for rate in rates):
		raise ValueError("a VAT rate is not negative")
	if tax_inclusive:
		net = round_half_up(rebate * HUNDRED / (HUNDRED + sum(rates, ZERO)), unit)
	else:
		net = rebate
	taxes = tuple(round_half_up(net * rate / HUNDRED, unit) for rate in rates)
	round_off = rebate - net - sum(taxes, ZERO) if tax_inclusive else ZERO
	return TaxSplit(net, taxes, round_off)


def tax_split_differs(
	expected: TaxSplit, net, taxes: Sequence, gross, tax_inclusive: bool, precision: int = 2
):
	"""What of a posted credit note's amounts (positive) breaks the rebate's split, else None:
	the figure that must be exact (the gross when tax-inclusive, the net otherwise) to the cent,
	each row's tax within a cent (ERPNext's rounding of an exact half, see split_rebate_tax), and
	the gross within a cent per row of the net plus taxes. A row rate the item overrides (an Item
	Tax Template) or a row added by the item's template shows here."""
	unit = cents(precision)
	net, gross = dec(net), dec(gross)
	taxes = tuple(dec(tax) for tax in taxes)
	exact = "gross" if tax_inclusive else "net"
	if (gross if tax_inclusive else net) != (expected.gross if tax_inclusive else expected.net):
		return exact
	if len(taxes) != len(expected.taxes) or any(
		abs(posted - due) > unit for posted, due in zip(taxes, expected.taxes, strict=True)
	):
		return "taxes"
	if abs(gross - net - sum(taxes, ZERO)) > unit * max(1, len(taxes)):
		return "gross"
	return None
