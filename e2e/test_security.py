"""A hostile rep through the REST API, from the logged-in browser session (issue 16)."""

from __future__ import annotations

from urllib.parse import quote

from conftest import URL

JSON = {"Content-Type": "application/json", "Accept": "application/json"}


def test_rep_cannot_raise_own_credit_limit_by_rest_put(rep, site):
	"""The rep PUTs a huge credit limit on their own dealer, as curl would with the desk's session:
	the server refuses it or drops the field, and the stored limit stays as it was."""
	dealers = rep.call("frappe.client.get_list", doctype="Dealer", limit_page_length=1)
	assert dealers, "the demo rep has dealers"
	dealer = dealers[0]["name"]
	before = site.get_value("Dealer", dealer, "credit_limit")
	wanted = 1_000_000_000
	assert float(before or 0) != wanted
	csrf = rep.page.evaluate("frappe.csrf_token")
	try:
		response = rep.page.request.put(
			f"{URL}/api/resource/Dealer/{quote(dealer, safe='')}",
			data={"credit_limit": wanted},
			headers={**JSON, "X-Frappe-CSRF-Token": csrf},
		)
		stored = site.get_value("Dealer", dealer, "credit_limit")
		assert float(stored or 0) == float(before or 0), (
			f"the rep's PUT changed {dealer}'s credit limit from {before} to {stored}"
		)
		if response.ok:  # the field dropped: the record it answers (if the rep may read it) is the stored one
			returned = response.json()["data"].get("credit_limit")
			assert returned is None or float(returned) == float(before or 0), response.json()["data"]
		else:
			assert response.status in (403, 417), f"HTTP {response.status}: {response.text()[:300]}"
	finally:
		if float(site.get_value("Dealer", dealer, "credit_limit") or 0) != float(before or 0):
			site.set_value("Dealer", dealer, "credit_limit", before)  # leave the demo as it was
	rep.assert_clean()
