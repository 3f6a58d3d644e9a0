"""Sales Orders and Invoices for one dealer submitted at the same moment from several database
connections: the dealer's row lock makes each see the ones before, so together they cannot exceed
the limit."""

import threading
import time
from unittest.mock import patch
from urllib.parse import quote

import frappe

from dealer_relations import credit_check
from dealer_relations.tests.credit_utils import (
	CLERK,
	make_credit_dealer,
	make_credit_users,
	make_sales_invoice,
	make_sales_order,
	make_tier,
	remove_committed,
	set_credit_mode,
)
from dealer_relations.tests.utils import FrappeTestCase, run_in_own_connections


class TestCreditRace(FrappeTestCase):
	def test_two_connections_cannot_both_exceed_the_limit(self):
		set_credit_mode("Enforce")
		dealer = make_credit_dealer(make_tier("DR Race Tier", limit=10000, rank=92))
		orders = [make_sales_order(dealer.customer, 6000, submit=False).name for _ in range(2)]
		frappe.db.commit()  # nosemgrep: the other connections must see the drafts
		original_decide = credit_check.decide

		def slow_decide(*args, **kwargs):
			# Widen the window between the check and the commit: without the lock both would pass.
			decision = original_decide(*args, **kwargs)
			time.sleep(1)
			return decision

		def describe(error) -> str:
			if error is None:
				return "submitted"
			if isinstance(error, frappe.ValidationError):
				return "blocked" if "credit limit" in str(error) else f"error: {error}"
			return f"error: {error!r}"

		try:
			with patch.object(credit_check, "decide", slow_decide):
				errors = run_in_own_connections(
					orders, lambda name: frappe.get_doc("Sales Order", name), lambda order: order.submit()
				)
			outcome = {name: describe(error) for name, error in errors.items()}
			self.assertEqual(sorted(outcome.values()), ["blocked", "submitted"], outcome)
			submitted = [name for name, result in outcome.items() if result == "submitted"]
			self.assertEqual(frappe.db.get_value("Sales Order", submitted[0], "docstatus"), 1)
		finally:
			frappe.db.rollback()
			for name in orders:
				order = frappe.get_doc("Sales Order", name)
				if order.docstatus == 1:
					order.cancel()
				frappe.delete_doc("Sales Order", name, force=True, ignore_permissions=True)
			frappe.delete_doc("Dealer", dealer.name, force=True, ignore_permissions=True)
			frappe.delete_doc("Customer", dealer.customer, force=True, ignore_permissions=True)
			frappe.db.commit()  # nosemgrep: undo what this test committed


class TestCreditRaceOverHTTP(FrappeTestCase):
	"""Twenty ``PUT /api/resource/<doctype>/<name>`` with ``{"docstatus": 1}`` at the same moment,
	each its own HTTP request and database connection, for one dealer whose headroom fits exactly
	five: five accepted, fifteen refused with the credit message, no deadlock or other error, and
	no ledger row for a refused invoice. The fixtures are committed and removed afterwards."""

	DOCUMENTS = 20
	AMOUNT = 2000  # the tier's 10,000 fit five of them

	def setUp(self):
		make_credit_users()
		set_credit_mode("Enforce")
		self.dealer = make_credit_dealer(make_tier("DR Race Tier", limit=10000, rank=92))
		self.committed = [("Dealer", self.dealer.name), ("Customer", self.dealer.customer)]
		user = frappe.get_doc("User", CLERK)
		user.api_key, user.api_secret = frappe.generate_hash(length=15), frappe.generate_hash(length=15)
		self.token = f"token {user.api_key}:{user.api_secret}"
		user.save(ignore_permissions=True)

	def tearDown(self):
		remove_committed(reversed(self.committed))

	def submit_at_once(self, doctype: str, names: list[str]) -> dict[str, str]:
		from frappe.app import application
		from werkzeug.test import Client

		frappe.db.commit()  # nosemgrep: the requests must see the drafts
		barrier = threading.Barrier(len(names), timeout=60)
		outcome = {}

		def put(name):
			client = Client(application)
			barrier.wait()
			response = client.put(
				f"/api/resource/{quote(doctype)}/{quote(name)}",
				json={"docstatus": 1},
				headers={"Authorization": self.token},
			)
			text = response.get_data(as_text=True)
			if response.status_code == 200:
				outcome[name] = "submitted"
			elif response.status_code == 417 and "exceed its credit limit" in text:
				outcome[name] = "refused"
			else:
				outcome[name] = f"{response.status_code}: {text[:500]}"

		with patch("frappe.app.get_site_name", return_value=frappe.local.site):
			threads = [threading.Thread(target=put, args=(name,)) for name in names]
			for thread in threads:
				thread.start()
			for thread in threads:
				thread.join(180)
		return outcome

	def assert_five_fit(self, doctype, outcome):
		counts = {result: list(outcome.values()).count(result) for result in set(outcome.values())}
		self.assertEqual(counts, {"submitted": 5, "refused": self.DOCUMENTS - 5}, outcome)
		for name, result in outcome.items():
			self.assertEqual(
				frappe.db.get_value(doctype, name, "docstatus"), 1 if result == "submitted" else 0
			)

	def test_twenty_orders_at_once(self):
		orders = [
			make_sales_order(self.dealer.customer, self.AMOUNT, submit=False).name
			for _ in range(self.DOCUMENTS)
		]
		self.committed += [("Sales Order", name) for name in orders]
		self.assert_five_fit("Sales Order", self.submit_at_once("Sales Order", orders))

	def test_twenty_invoices_at_once(self):
		invoices = [
			make_sales_invoice(self.dealer.customer, self.AMOUNT, submit=False).name
			for _ in range(self.DOCUMENTS)
		]
		self.committed += [("Sales Invoice", name) for name in invoices]
		outcome = self.submit_at_once("Sales Invoice", invoices)
		self.assert_five_fit("Sales Invoice", outcome)
		refused = [name for name, result in outcome.items() if result == "refused"]
		for ledger in ("GL Entry", "Payment Ledger Entry"):
			self.assertFalse(
				frappe.db.exists(ledger, {"voucher_type": "Sales Invoice", "voucher_no": ("in", refused)}),
				ledger,
			)
