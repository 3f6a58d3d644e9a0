"""ERPNext's regional overrides, registered for every country.

ERPNext lets an app add rows to a Sales Invoice's own GL only through its regional override of
``make_regional_gl_entries`` (``erpnext.allow_regional``, keyed by the site's country). What the
app adds there — the release of a rebate deduction's liability — is not regional, so it is listed
under every country Frappe knows. Read by hooks.py: no Frappe import, no database.
"""

from __future__ import annotations

import json
from functools import cache
from importlib.util import find_spec
from pathlib import Path

SALES_INVOICE_GL = "erpnext.accounts.doctype.sales_invoice.sales_invoice.make_regional_gl_entries"
APP_SALES_INVOICE_GL = "dealer_relations.overrides.sales_invoice.make_regional_gl_entries"
OVERRIDES = {SALES_INVOICE_GL: APP_SALES_INVOICE_GL}


@cache
def countries() -> tuple[str, ...]:
	"""The names of Frappe's Country records (frappe/geo/country_info.json), without importing
	Frappe; none when Frappe is not installed (tier 1)."""
	spec = find_spec("frappe")
	if not spec or not spec.origin:
		return ()
	path = Path(spec.origin).parent / "geo" / "country_info.json"
	if not path.exists():
		return ()
	return tuple(json.loads(path.read_text(encoding="utf-8")))


def every_country(overrides: dict[str, str] = OVERRIDES) -> dict[str, dict[str, str]]:
	return {country: dict(overrides) for country in countries()}
