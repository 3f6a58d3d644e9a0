"""Two Sales Orders for one dealer submitted at the same moment from two database connections:
the dealer's row lock makes the second see the first, so together they cannot exceed the limit."""

import time
from unittest.mock import patch

import frappe

from dealer_relations.overrides import sales_documents
from dealer_relations.tests.credit_utils import (
	make_credit_dealer,
	make_sales_order,
	make_tier,
	set_credit_mode,
)
from dealer_relations.tests.utils import FrappeTestCase, run_in_own_connections


class TestCreditRace(FrappeTestCase):
	def test_two_connections_cannot_both_exceed_the_limit(self):
		set_credit_mode("Enforce")
		dealer = make_credit_dealer(make_tier("DR Race Tier", limit=10000, rank=92))
		orders = [make_sales_order(dealer.customer, 6000, submit=False).name for _ in range(2)]
		frappe.db.commit()  # nosemgrep: the other connections must see the drafts
		original_decide = sales_documents.decide

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
			with patch.object(sales_documents, "decide", slow_decide):
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
