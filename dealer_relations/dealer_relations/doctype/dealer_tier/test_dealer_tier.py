# Copyright (c) 2026, Dealer Relations contributors
# For license information, please see license.txt

import frappe

from dealer_relations.tests.utils import EXTERNAL_TEST_IGNORE, FrappeTestCase

test_ignore = EXTERNAL_TEST_IGNORE


def tier(**kwargs):
	values = {"doctype": "Dealer Tier", "tier_name": "DR Test Tier", "rank": 90, "visit_interval_days": 10}
	values.update(kwargs)
	return frappe.get_doc(values)


class TestDealerTier(FrappeTestCase):
	def test_install_made_default_tiers(self):
		tiers = {
			t.name: t
			for t in frappe.get_all(
				"Dealer Tier", fields=["name", "rank", "visit_interval_days", "default_credit_limit"]
			)
		}
		self.assertEqual([tiers[n].rank for n in "ABC"], [1, 2, 3])
		self.assertEqual([tiers[n].visit_interval_days for n in "ABC"], [7, 14, 30])
		self.assertGreater(tiers["A"].default_credit_limit, tiers["C"].default_credit_limit)

	def test_negative_interval_rejected(self):
		with self.assertRaisesRegex(frappe.ValidationError, "Visit Interval"):
			tier(visit_interval_days=-5).insert()
		self.assertFalse(frappe.db.exists("Dealer Tier", "DR Test Tier"))

	def test_negative_credit_limit_rejected(self):
		with self.assertRaisesRegex(frappe.ValidationError, "Default Credit Limit"):
			tier(default_credit_limit=-1).insert()

	def test_new_cadence_moves_due_dates_of_the_tier(self):
		from frappe.utils import add_days, getdate, today

		from dealer_relations.tests.utils import make_dealer

		tier_doc = tier(tier_name="DR Cadence Tier", rank=91, visit_interval_days=10).insert()
		dealers = [make_dealer(tier=tier_doc.name).name for _ in range(3)]
		other = make_dealer(tier="C").name
		other_due = frappe.db.get_value("Dealer", other, "next_visit_due")
		tier_doc.visit_interval_days = 20
		tier_doc.save()
		for dealer in dealers:
			self.assertEqual(
				frappe.db.get_value("Dealer", dealer, "next_visit_due"), getdate(add_days(today(), 20))
			)
		self.assertEqual(frappe.db.get_value("Dealer", other, "next_visit_due"), other_due)

	def test_rank_must_be_unique(self):
		with self.assertRaisesRegex(frappe.ValidationError, "already used by Dealer Tier A"):
			tier(rank=1).insert()
		self.assertTrue(tier().insert().name)
