"""Demo data: a realistic dealer channel on a site that has a company.

    bench --site SITE execute dealer_relations.demo.make_demo_data
    bench --site SITE execute dealer_relations.demo.make_demo_data --kwargs "{'dealers': 40, 'months': 12}"
    bench --site SITE execute dealer_relations.demo.make_demo_data --kwargs "{'size': 200000}"
    bench --site SITE execute dealer_relations.demo.bulk.clear_bulk_data

With ``size`` (submitted invoice lines) it loads bulk data instead: ``dealers`` (default 2,000)
dealers and ``size`` lines over the last ``months`` months in minutes (dealer_relations.demo.bulk),
then rates every dealer and runs a year-end rebate policy over the period.

Idempotent: masters are looked up by name and a dealer that already has demo invoices gets no
more, so running it twice changes nothing. Later features and the benchmarks reuse this dataset.

``masters`` makes what both modes share (territories, users, items, fiscal years, dealers,
settings rows), ``documents`` the documents of the normal mode, ``bulk`` the bulk loader. Demo code
may import any product module; no product module imports it.
"""

from __future__ import annotations

import frappe
from frappe.utils import getdate

from dealer_relations.credit import run_rating
from dealer_relations.demo.bulk import make_bulk_data
from dealer_relations.demo.documents import make_demo_documents, make_demo_rebates, make_demo_simulation
from dealer_relations.demo.masters import default_company, set_demo_passwords

__all__ = ["make_bulk_demo_data", "make_demo_data", "set_demo_passwords"]


def make_demo_data(
	dealers: int | None = None,
	months: int = 12,
	company: str | None = None,
	return_rate: float = 0.06,
	seed: int = 2026,
	size: int | None = None,
) -> dict:
	"""Create (or complete) the demo dataset and return counts of what exists afterwards.
	``size``: bulk mode with that many invoice lines (see dealer_relations.demo.bulk)."""
	if size:
		return make_bulk_demo_data(int(size), int(dealers or 2000), months, company, seed)
	return make_demo_documents(int(dealers or 24), int(months), company, return_rate, seed)


def make_bulk_demo_data(lines: int, dealers: int, months: int, company: str | None, seed: int) -> dict:
	"""Bulk dealers and invoice lines, then what the app derives from them: ratings and a
	year-end rebate policy over the period with its draft settlements."""
	company = company or default_company()
	summary = make_bulk_data(dealers=dealers, lines=lines, company=company, months=int(months), seed=seed)
	summary["rated_dealers"] = run_rating(None, company)["rated"]
	frappe.db.commit()  # nosemgrep: bulk data runs from `bench execute`
	start, end = summary["period"].split(" .. ")
	summary.update(make_demo_rebates(company, getdate(start), getdate(end)))
	summary.update(make_demo_simulation(company, summary["rebate_policy"]))
	print(summary)
	return summary
