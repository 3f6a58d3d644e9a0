"""Report summary cards of money: amounts of companies in different currencies are never added."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from frappe.utils import flt


def amounts_by_currency(
	rows: list, cards: Iterable[tuple[str, Callable, str]], precision: int = 2
) -> list[dict]:
	"""One card per (label, amount of a row, indicator) and per currency of the rows (each row
	carries its company's ``currency``); a label names its currency when there are several."""
	cards = list(cards)
	currencies = sorted({row["currency"] for row in rows}, key=lambda currency: currency or "") or [None]
	summary = []
	for currency in currencies:
		same = [row for row in rows if row["currency"] == currency]
		suffix = f" ({currency})" if len(currencies) > 1 else ""
		for label, amount, indicator in cards:
			summary.append(
				{
					"label": label + suffix,
					"value": flt(sum(flt(amount(row)) for row in same), precision),
					"datatype": "Currency",
					"currency": currency,
					"indicator": indicator,
				}
			)
	return summary
