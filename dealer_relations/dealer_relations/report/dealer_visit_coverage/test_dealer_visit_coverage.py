# Copyright (c) 2026, Dealer Relations contributors
# For license information, please see license.txt

import frappe
from frappe.utils import add_days, get_datetime, getdate, today

from dealer_relations.dealer_relations.report.dealer_visit_coverage.dealer_visit_coverage import execute
from dealer_relations.tests.utils import (
	FrappeTestCase,
	backdate_dealer,
	make_dealer,
	make_territory,
	make_user,
	make_visit,
)

REP = "dr-coverage-rep@example.com"
OTHER_REP = "dr-coverage-other@example.com"


class TestDealerVisitCoverage(FrappeTestCase):
	"""Hand-built month: an A dealer visited weekly, a B dealer with a late start, a C dealer
	never visited. Window: 40 to 10 days ago."""

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_user(REP, ["Dealer Sales Rep", "Sales User"])
		make_user(OTHER_REP, ["Dealer Sales Rep", "Sales User"])
		make_territory("DR Cov East", is_group=1)
		make_territory("DR Cov Jiangsu", parent="DR Cov East", is_group=1)
		make_territory("DR Cov Nanjing", parent="DR Cov Jiangsu")
		make_territory("DR Cov South", is_group=1)
		make_territory("DR Cov Guangzhou", parent="DR Cov South")
		cls.start = getdate(add_days(today(), -40))
		cls.end = getdate(add_days(today(), -10))

		def at(offset):
			return get_datetime(add_days(cls.start, offset)).replace(hour=10)

		cls.a = cls.dealer("A", "DR Cov Nanjing")
		cls.b = cls.dealer("B", "DR Cov Guangzhou")
		cls.c = cls.dealer("C", "DR Cov Guangzhou")
		for offset in (-3, 4, 11, 18, 25):
			make_visit(cls.a, at(offset), sales_rep=REP)
		for offset in (2, 14):
			make_visit(cls.b, at(offset), sales_rep=REP)

	@classmethod
	def dealer(cls, tier, territory):
		dealer = make_dealer(tier=tier, sales_rep=REP, status="Active", territories=[territory])
		backdate_dealer(dealer.name, 400)
		return dealer.name

	def run_report(self, **filters):
		filters = frappe._dict(from_date=self.start, to_date=self.end, sales_rep=REP, **filters)
		columns, data, _message, chart, summary = execute(filters)
		return columns, data, chart, summary

	def test_numbers_per_rep(self):
		columns, data, chart, summary = self.run_report()
		self.assertEqual(len(data), 1)
		row = data[0]
		self.assertEqual(row["sales_rep"], REP)
		self.assertEqual(
			(
				row["dealers"],
				row["visits"],
				row["dealers_visited"],
				row["dealers_on_cadence"],
				row["dealers_overdue"],
			),
			(3, 6, 2, 1, 2),
		)
		self.assertAlmostEqual(row["coverage"], 33.3)
		self.assertAlmostEqual(row["dealer_share_a"], 33.3)
		self.assertAlmostEqual(row["visit_share_a"], 66.7)
		self.assertAlmostEqual(row["visit_share_c"], 0)
		self.assertEqual(row["attention_c"], 0)
		fieldnames = {c["fieldname"] for c in columns}
		self.assertLessEqual({"dealer_share_a", "visit_share_b", "attention_c"}, fieldnames)
		self.assertEqual(chart["data"]["datasets"][1]["values"][:3], [66.7, 33.3, 0.0])
		summary = {s["label"]: s["value"] for s in summary}
		self.assertEqual(summary["Overdue Dealers"], 2)
		self.assertIn("Tier C", summary["Neglected Tiers"])

	def test_filters(self):
		_c, data, _chart, _s = self.run_report(tier="C")
		self.assertEqual((data[0]["dealers"], data[0]["visits"]), (1, 0))
		_c, data, _chart, _s = self.run_report(territory="DR Cov Jiangsu")
		self.assertEqual((data[0]["dealers"], data[0]["visits"], data[0]["dealers_on_cadence"]), (1, 4, 1))
		_c, data, _chart, _s = self.run_report(territory="DR Cov East", tier="B")
		self.assertEqual(data, [])

	def test_rep_sees_only_own_numbers(self):
		with self.set_user(OTHER_REP):
			_c, data, _chart, _s = self.run_report()
		self.assertEqual(data, [])
		with self.set_user(REP):
			_c, data, _chart, _s = self.run_report()
		self.assertEqual(data[0]["dealers"], 3)

	def test_bad_filters(self):
		with self.assertRaises(frappe.ValidationError):
			execute(frappe._dict(from_date=self.end, to_date=self.start))
