"""The dealer's monthly statement (对账单): which month may be read or confirmed, how its ledger
movements add up, and what a confirmation or dispute needs."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from dealer_relations.engine.errors import RuleViolation, _

ZERO = Decimal(0)
MONTH_PATTERN = re.compile(r"^(\d{4})-(\d{2})$")

INVOICE = "Invoice"
PAYMENT = "Payment"
CREDIT_NOTE = "Credit Note"
REBATE = "Rebate"
FINE = "Fine"
OTHER = "Other"
KINDS = (INVOICE, PAYMENT, CREDIT_NOTE, REBATE, FINE, OTHER)

# The statement's PDF speaks Chinese or English (a user in any other language gets English)
PDF_LANGUAGES = ("zh", "en")

CONFIRMED = "Confirmed"
DISPUTED = "Disputed"
ANSWERED = "Answered"


@dataclass(frozen=True)
class Month:
	start: date
	end: date

	@property
	def key(self) -> str:
		return f"{self.start.year:04d}-{self.start.month:02d}"


def month_of(day: date) -> Month:
	start = day.replace(day=1)
	following = (start + timedelta(days=32)).replace(day=1)
	return Month(start, following - timedelta(days=1))


def parse_month(text: str | None, today: date) -> Month:
	"""``YYYY-MM`` (the current month when empty); a month after the current one is refused."""
	if not text:
		return month_of(today)
	match = MONTH_PATTERN.match(text.strip())
	if not match or not 1 <= int(match.group(2)) <= 12 or int(match.group(1)) < 1900:
		raise RuleViolation(_("{0} is not a month: use YYYY-MM"), (text,), "month", _("Invalid Month"))
	month = month_of(date(int(match.group(1)), int(match.group(2)), 1))
	if month.start > today:
		raise RuleViolation(
			_("Month {0} has not begun: there is no statement for it yet"),
			(month.key,),
			"month",
			_("Future Month"),
		)
	return month


def check_confirmable(month: Month, today: date) -> None:
	"""A month is confirmed once it is over: its closing balance can still change before."""
	if month.end >= today:
		raise RuleViolation(
			_("Month {0} is not over yet: its statement can be confirmed from {1}"),
			(month.key, month.end + timedelta(days=1)),
			"month",
			_("Month Not Over"),
		)


def pdf_language(requested: str | None, user_language: str | None) -> str:
	"""The statement PDF's language: the one asked for (zh or en only), else the user's own (any
	Chinese variant reads zh), else English."""
	if requested:
		language = requested.strip().lower()
		if language not in PDF_LANGUAGES:
			raise RuleViolation(
				_("The statement is printed in Chinese (zh) or English (en), not in {0}"),
				(requested,),
				"lang",
				_("Invalid Language"),
			)
		return language
	return "zh" if (user_language or "").lower().startswith("zh") else "en"


def check_response(status: str, reason: str | None, already: str | None) -> None:
	"""Confirm or dispute once per month; a dispute says why."""
	if status not in (CONFIRMED, DISPUTED):
		raise RuleViolation(_("Unknown answer {0}"), (status,), "status", _("Invalid Data"))
	if already:
		raise RuleViolation(
			_("This month's statement was already answered ({0}); finance will reply to it"),
			(already,),
			"status",
			_("Already Answered"),
			translate_args=True,
		)
	if status == DISPUTED and not (reason or "").strip():
		raise RuleViolation(
			_("Please say what is wrong in the statement: a dispute needs a reason"),
			(),
			"reason",
			_("Reason Required"),
		)


@dataclass(frozen=True)
class Movement:
	kind: str
	voucher_type: str
	voucher_no: str
	posting_date: date
	amount: Decimal  # positive: the dealer owes more


@dataclass(frozen=True)
class Statement:
	month: Month
	opening: Decimal
	movements: tuple[Movement, ...]
	totals: dict[str, Decimal] = field(default_factory=dict)

	@property
	def closing(self) -> Decimal:
		return self.opening + sum((m.amount for m in self.movements), ZERO)


def build_statement(month: Month, opening: Decimal, movements: Iterable[Movement]) -> Statement:
	"""Movements in date order, totals per kind (every kind present, zero when none)."""
	ordered = tuple(sorted(movements, key=lambda m: (m.posting_date, m.voucher_no)))
	totals = dict.fromkeys(KINDS, ZERO)
	for movement in ordered:
		totals[movement.kind] += movement.amount
	return Statement(month, opening, ordered, totals)
