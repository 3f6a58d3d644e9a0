# Copyright (c) 2026, Dealer Relations contributors
# For license information, please see license.txt

import frappe
from frappe.utils import add_days, today

from dealer_relations.credit import get_exposure
from dealer_relations.dealer_relations.report.dealer_credit_exposure.dealer_credit_exposure import (
	execute,
	get_dealers_over_limit,
)
from dealer_relations.tests.credit_utils import (
	make_credit_dealer,
	make_payment,
	make_sales_invoice,
	make_sales_order,
	make_tier,
	set_credit_mode,
)
from dealer_relations.tests.utils import FrappeTestCase, make_user

REP = "dr-exposure-rep@example.com"
OTHER_REP = "dr-exposure-other@example.com"


class TestDealerCreditExposure(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_user(REP, ["Dealer Sales Rep", "Sales User"])
		make_user(OTHER_REP, ["Dealer Sales Rep", "Sales User"])
		set_credit_mode("Off")  # build any history, then report on it
		tier = make_tier("DR Exposure Tier", limit=50000, rank=93)
		cls.mine = make_credit_dealer(tier, sales_rep=REP)
		cls.theirs = make_credit_dealer(tier, sales_rep=OTHER_REP)
		customer = cls.mine.customer
		make_sales_invoice(customer, 1000, posting_date=add_days(today(), -10))  # not yet due: 0-30
		make_sales_invoice(customer, 2000, posting_date=add_days(today(), -75))  # 45 days overdue
		make_sales_invoice(customer, 4000, posting_date=add_days(today(), -100))  # 70 days overdue
		old = make_sales_invoice(customer, 8000, posting_date=add_days(today(), -160))  # 130 days
		make_payment(old, amount=3000, posting_date=add_days(today(), -20))
		make_payment(customer=customer, amount=500)  # unallocated advance
		make_sales_order(customer, 60000)
		make_sales_invoice(cls.theirs.customer, 999)
		frappe.db.set_value("Dealer", cls.mine.name, {"credit_grade": "B", "credit_score": 65})
		set_credit_mode("Enforce")

	def row_for(self, data, dealer):
		return next(row for row in data if row["dealer"] == dealer)

	def test_amounts_buckets_and_limit(self):
		columns, data, _message, chart, summary = execute(frappe._dict(sales_rep=REP))
		row = self.row_for(data, self.mine.name)
		self.assertEqual(row.outstanding, 1000 + 2000 + 4000 + 5000)
		self.assertEqual(row.advances, 500)
		self.assertEqual(row.unbilled_orders, 60000)
		self.assertEqual(row.exposure, 12000 + 60000 - 500)
		self.assertEqual(row.credit_limit, 50000)
		self.assertEqual(row.available_credit, 50000 - 71500)
		self.assertEqual(
			(row.overdue_0_30, row.overdue_31_60, row.overdue_61_90, row.overdue_90_plus),
			(1000, 2000, 4000, 5000),
		)
		self.assertEqual(row.over_limit, 1)
		# one meaning of exposure: the report's equals what the submit check reads
		checked = get_exposure(self.mine.customer, self.mine.company)
		self.assertEqual(
			(row.outstanding, row.advances, row.unbilled_orders),
			(float(checked.outstanding), float(checked.unallocated_advances), float(checked.unbilled_orders)),
		)
		self.assertIn("B", chart["data"]["labels"])
		currency_columns = [c for c in columns if c["fieldtype"] == "Currency"]
		self.assertTrue(all(c["options"] == "currency" for c in currency_columns))
		self.assertTrue(any(s["value"] >= 1 for s in summary if s["datatype"] == "Int"))

	def test_filters(self):
		_columns, data, *_rest = execute(frappe._dict(credit_grade="B", sales_rep=REP))
		self.assertEqual([row["dealer"] for row in data], [self.mine.name])
		_columns, data, *_rest = execute(frappe._dict(over_limit_only=1, sales_rep=OTHER_REP))
		self.assertEqual(data, [])

	def test_reps_see_only_their_dealers(self):
		with self.set_user(REP):
			_columns, data, *_rest = execute(frappe._dict())
		dealers = {row["dealer"] for row in data}
		self.assertIn(self.mine.name, dealers)
		self.assertNotIn(self.theirs.name, dealers)
		with self.set_user(OTHER_REP):
			self.assertEqual(get_dealers_over_limit()["value"], 0)
		with self.set_user(REP):
			self.assertEqual(get_dealers_over_limit()["value"], 1)

	def test_number_card_is_installed(self):
		card = frappe.get_doc("Number Card", "Dealers over limit")
		self.assertEqual(card.type, "Custom")
		self.assertTrue(frappe.get_attr(card.method))
