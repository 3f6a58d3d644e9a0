"""Credit ratings from real ERPNext invoices and payments; pinned limits; credit settings."""

from unittest.mock import patch

import frappe
from frappe.utils import add_days, today

from dealer_relations.credit import (
	enqueue_rating,
	load_config,
	pin_credit_limit,
	rate_dealers,
	run_rating,
)
from dealer_relations.engine.credit import DIVERSIONS, FACTOR_NAMES, ON_TIME_SHARE, WORST_OVERDUE
from dealer_relations.tests.credit_utils import (
	CONTROLLER,
	count_queries,
	make_credit_dealer,
	make_credit_users,
	make_payment,
	make_sales_invoice,
	make_tier,
)
from dealer_relations.tests.utils import FrappeTestCase, backdate_dealer, make_user

MANAGER = "dr-credit-manager@example.com"


def latest_rating(dealer):
	name = frappe.get_all(
		"Dealer Credit Rating", filters={"dealer": dealer}, order_by="creation desc", pluck="name", limit=1
	)[0]
	return frappe.get_doc("Dealer Credit Rating", name)


class TestCreditRating(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_credit_users()
		make_user(MANAGER, ["Dealer Manager", "Sales User"])
		cls.tier = make_tier("DR Rating Tier", limit=40000, rank=91)

	def dealer_with_history(self, pay_on_time: bool):
		"""Three invoices of 10,000 due 90, 60 and 30 days ago."""
		dealer = make_credit_dealer(self.tier)
		backdate_dealer(dealer.name, 400)
		for days_ago in (120, 90, 60):
			invoice = make_sales_invoice(dealer.customer, 10000, posting_date=add_days(today(), -days_ago))
			if pay_on_time:
				make_payment(invoice, posting_date=add_days(today(), -days_ago + 25))
		return dealer

	def test_on_time_payer_scores_above_dealer_left_overdue(self):
		punctual = self.dealer_with_history(pay_on_time=True)
		overdue = self.dealer_with_history(pay_on_time=False)
		result = rate_dealers([punctual.name, overdue.name])
		self.assertEqual(result["rated"], 2)

		good, bad = latest_rating(punctual.name), latest_rating(overdue.name)
		self.assertGreater(good.credit_score, bad.credit_score)
		self.assertEqual([row.factor for row in good.factors], list(FACTOR_NAMES))
		good_factors = {row.factor: row for row in good.factors}
		bad_factors = {row.factor: row for row in bad.factors}
		self.assertAlmostEqual(float(good_factors[ON_TIME_SHARE].value), 100)
		self.assertAlmostEqual(float(bad_factors[ON_TIME_SHARE].value), 0)
		self.assertEqual(float(good_factors[WORST_OVERDUE].value), 0)
		self.assertEqual(float(bad_factors[WORST_OVERDUE].value), 90)
		self.assertEqual(float(bad_factors[DIVERSIONS].value), 0)
		for rating in (good, bad):
			self.assertAlmostEqual(sum(row.points for row in rating.factors), rating.credit_score, delta=0.06)
			self.assertAlmostEqual(sum(row.weight for row in rating.factors), 100)

		stored = frappe.db.get_value(
			"Dealer",
			punctual.name,
			["credit_score", "credit_grade", "credit_limit", "credit_order_policy", "last_rated_on"],
			as_dict=True,
		)
		self.assertEqual(stored.credit_score, good.credit_score)
		self.assertEqual(stored.credit_grade, good.credit_grade)
		self.assertEqual(stored.credit_limit, good.credit_limit)
		self.assertGreaterEqual(good.credit_limit, 40000)  # never below the tier's default
		self.assertEqual(str(stored.last_rated_on), today())

	def test_grade_sets_limit_from_monthly_sales(self):
		dealer = self.dealer_with_history(pay_on_time=True)
		rate_dealers([dealer.name])
		rating = latest_rating(dealer.name)
		band = next(b for b in load_config().bands if b.grade == rating.credit_grade)
		expected = max(40000, float(band.limit_multiple) * rating.average_monthly_sales)
		self.assertAlmostEqual(rating.credit_limit, expected, places=2)
		self.assertEqual(rating.order_policy, band.order_policy)

	def test_rating_queries_do_not_grow_with_dealers(self):
		dealers = [self.dealer_with_history(pay_on_time=bool(i % 2)).name for i in range(4)]
		run_rating(dealers[:1])  # warm the settings cache
		with count_queries() as one:
			run_rating(dealers[:1])
		with count_queries() as four:
			run_rating(dealers)
		self.assertEqual(len(one), len(four), "\n".join(four))

	def test_pinned_limit_is_kept_by_ratings(self):
		dealer = self.dealer_with_history(pay_on_time=True)
		with self.set_user(CONTROLLER):
			pin_credit_limit(dealer.name, 1, 12345, "Bank guarantee until year end")
		rate_dealers([dealer.name])
		rating = latest_rating(dealer.name)
		self.assertEqual(rating.limit_source, "Manual")
		self.assertEqual(rating.credit_limit, 12345)
		self.assertEqual(frappe.db.get_value("Dealer", dealer.name, "credit_limit"), 12345)
		self.assertEqual(frappe.db.get_value("Dealer", dealer.name, "manual_limit_set_by"), CONTROLLER)
		with self.set_user(CONTROLLER):
			pin_credit_limit(dealer.name, 0)
		self.assertEqual(
			frappe.db.get_value("Dealer", dealer.name, "credit_limit"), rating.rated_credit_limit
		)

	def test_pinning_needs_the_role_a_reason_and_no_negative_limit(self):
		dealer = make_credit_dealer(self.tier)
		with self.set_user(CONTROLLER):
			self.assertRaisesRegex(
				frappe.ValidationError, "Manual Limit Reason", pin_credit_limit, dealer.name, 1, 5000, " "
			)
			self.assertRaisesRegex(
				frappe.ValidationError, "negative", pin_credit_limit, dealer.name, 1, -5, "x"
			)
		with self.set_user(MANAGER):
			self.assertRaises(frappe.PermissionError, pin_credit_limit, dealer.name, 1, 5000, "because")
		self.assertFalse(frappe.db.get_value("Dealer", dealer.name, "pin_credit_limit"))

	def test_ratings_are_not_made_by_hand(self):
		dealer = make_credit_dealer(self.tier)
		rating = frappe.get_doc(
			{
				"doctype": "Dealer Credit Rating",
				"dealer": dealer.name,
				"rating_date": today(),
				"credit_score": 99,
			}
		)
		self.assertRaises(frappe.ValidationError, rating.insert)

	def test_rate_dealers_is_for_credit_roles(self):
		make_user("dr-credit-rep@example.com", ["Dealer Sales Rep", "Sales User"])
		with self.set_user("dr-credit-rep@example.com"):
			self.assertRaises(frappe.PermissionError, rate_dealers, None)

	def test_form_button_runs_a_chunked_background_job(self):
		dealers = [make_credit_dealer(self.tier).name for _ in range(3)]
		calls = []
		with patch("frappe.enqueue", side_effect=lambda method, **kwargs: calls.append((method, kwargs))):
			enqueue_rating(dealers)
		[(method, kwargs)] = calls
		self.assertEqual((kwargs["queue"], kwargs["dealers"]), ("long", dealers))
		self.assertTrue(kwargs["enqueue_after_commit"])
		result = frappe.get_attr(method)(dealers=kwargs["dealers"], company=kwargs["company"], chunk_size=2)
		self.assertEqual(result["rated"], 3)
		for dealer in dealers:
			self.assertEqual(len(latest_rating(dealer).factors), 8)

	def test_confirmed_diversions_lower_the_next_rating(self):
		from dealer_relations.tests.diversion_factories import (
			NANJING,
			incident_for,
			make_territories,
			penalty_account,
			set_diversion_settings,
		)

		make_territories()
		set_diversion_settings(diversion_penalty_account=penalty_account())
		dealer = self.dealer_with_history(pay_on_time=True)
		# Credit test dealers may sell everywhere; a diversion needs a region they may not sell in.
		frappe.db.set_value("Dealer Territory", {"parent": dealer.name}, "territory", NANJING)
		rate_dealers([dealer.name])
		without = latest_rating(dealer.name)
		incident_for(dealer.name, days_ago=400)  # older than 12 months
		incident_for(dealer.name, days_ago=200)
		incident_for(dealer.name, days_ago=30)
		incident_for(dealer.name, days_ago=10, submit=False)  # reported, not confirmed
		rate_dealers([dealer.name])
		rating = latest_rating(dealer.name)
		diversions = {row.factor: row for row in rating.factors}[DIVERSIONS]
		self.assertEqual(float(diversions.value), 2)
		self.assertLess(rating.credit_score, without.credit_score)

	def test_monthly_job_is_registered(self):
		self.assertIn(
			"dealer_relations.credit.rate_dealers_monthly",
			frappe.get_hooks("scheduler_events")["monthly_long"],
		)


class TestCreditSettings(FrappeTestCase):
	def test_defaults_are_installed_and_valid(self):
		settings = frappe.get_single("Dealer Relations Settings")
		self.assertEqual([row.grade for row in settings.credit_grades], ["AAA", "AA", "A", "B", "C", "D"])
		self.assertAlmostEqual(sum(settings.get(f) for f in self.weight_fields()), 100)

	@staticmethod
	def weight_fields():
		from dealer_relations.engine.credit import FACTORS

		return [factor.weight_field for factor in FACTORS]

	def test_weights_must_add_up_to_100(self):
		settings = frappe.get_single("Dealer Relations Settings")
		settings.weight_diversions = settings.weight_diversions + 5
		self.assertRaisesRegex(frappe.ValidationError, "add up to 100", settings.save)
		self.assertEqual(
			frappe.db.get_single_value("Dealer Relations Settings", "weight_diversions"),
			settings.weight_diversions - 5,
		)

	def test_grade_bands_must_be_sorted_without_overlap(self):
		settings = frappe.get_single("Dealer Relations Settings")
		settings.credit_grades[1].min_score = settings.credit_grades[0].min_score + 1
		self.assertRaisesRegex(frappe.ValidationError, "must be below", settings.save)
		settings.reload()
		settings.credit_grades[-1].min_score = 10
		self.assertRaisesRegex(frappe.ValidationError, "Min Score 0", settings.save)
		settings.reload()
		settings.credit_grades[2].limit_multiple = -1
		self.assertRaisesRegex(frappe.ValidationError, "negative", settings.save)
