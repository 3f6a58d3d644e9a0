"""Hostile names: customers, dealers, items, territories and tiers named with quotes, backslashes
(one at the end), an SQL injection, LIKE wildcards, comment markers, a comma and 130 characters of
Chinese and emoji go through the credit check, the credit rating, the year-end rebate run, every
Script Report (and the workspace charts), diversion detection and tracing with the right figures
and no SQL error; a filter value naming nothing matches nothing; markup in a name is text in the
credit message, on the timeline and in every report.

The attack of issue 16: a rep names a customer ``Q\\' OR 1=1 #``. When a query's values were rendered
into its text with only ``'`` doubled, the backslash escaped the quote, ``OR 1=1`` matched every
invoice and ``#`` commented out the rest: every customer's receivables were that dealer's exposure.
A name ending in a backslash broke the statement; one with a backslash inside matched nothing, so
that dealer's own receivables were not counted at all."""

from __future__ import annotations

import frappe
from frappe.modules import scrub
from frappe.utils import add_days, flt, fmt_money, today

from dealer_relations.benchmarks.reports import APP, app_script_reports, report_filters
from dealer_relations.credit import get_exposure, load_sales, pin_credit_limit, run_rating, run_rating_job
from dealer_relations.dashboards import dealers_by_region_and_tier, visits_per_month_by_tier
from dealer_relations.rebates import run_year_end
from dealer_relations.tests.credit_utils import (
	CONTROLLER,
	make_credit_users,
	make_sales_invoice,
	make_sales_order,
	make_tier,
	set_credit_mode,
)
from dealer_relations.tests.diversion_factories import (
	CHINA,
	deliver,
	field_report,
	make_address,
	make_territories,
	receive,
	set_diversion_settings,
)
from dealer_relations.tests.rebate_factories import (
	REBATE_TEST_IGNORE,
	company_defaults,
	day,
	make_items,
	make_policy,
	setup_rebate_accounts,
)
from dealer_relations.tests.utils import (
	FrappeTestCase,
	backdate_dealer,
	get_company,
	make_customer,
	make_dealer,
	make_item,
	make_territory,
	make_user,
	make_visit,
)

test_ignore = REBATE_TEST_IGNORE

# What a user may type as a name. A document name is at most 140 characters and Frappe refuses
# "<" and ">" in one, so every other character is fair game.
HOSTILE = {
	"quote": "O'Brien's Trading",
	"backslash": "Back\\slash Trading",
	"trailing backslash": "Trailing Trading\\",
	"injection": "Q\\' OR 1=1 #",
	"percent": "100% Trading",
	"underscore": "A_B Trading",
	"hash": "Trading # 1",
	"dashes": "Trading -- 1",
	"comma": "Smith, Jones & Co",
	"unicode": ("华东经销商有限公司🚚📦" * 20)[:130],
}
# A value no record carries: as a filter it must match nothing (not everything, not an error).
NOBODY = "Nobody\\' OR 1=1 -- %_"
VICTIM_RECEIVABLE = 1_000_000
REP = "dr-names-rep@example.com"
# JSON-looking, so Frappe's HTML sanitiser leaves it in a Data field as it is
SCRIPT = '["<img src=x onerror=alert(1)>"]'


def hostile(label: str, kind: str) -> str:
	"""A unique hostile name (the hostile text last, so a trailing backslash stays last)."""
	return f"{frappe.generate_hash(length=5)}{kind} {HOSTILE[label]}"[:140]


def make_world(label: str, rank: int, stock: int = 0) -> frappe._dict:
	"""A dealer named ``HOSTILE[label]`` (its customer's name), in a territory, in a tier, buying an
	item, all named the same way; a 10,000 credit limit from its tier."""
	make_territories()
	territory = make_territory(hostile(label, "t"), parent=CHINA)
	found = make_territory(hostile(label, "f"), parent=CHINA)
	tier = make_tier(hostile(label, "r"), limit=10_000, rank=rank)
	customer = make_customer(hostile(label, "c"))
	dealer = make_dealer(customer, status="Active", territories=[territory], tier=tier, sales_rep=REP)
	return frappe._dict(
		label=label,
		customer=customer,
		dealer=dealer.name,
		territory=territory,
		found=found,
		tier=tier,
		item=make_item(hostile(label, "i"), is_stock_item=stock, has_serial_no=stock, valuation_rate=100),
	)


def make_worlds(first_rank: int, stock: int = 0) -> list[frappe._dict]:
	return [make_world(label, first_rank + n, stock) for n, label in enumerate(HOSTILE)]


def line(item: str, amount: float, qty: float = 1) -> dict:
	return {"item_code": item, "qty": qty, "rate": amount / qty, "delivery_date": add_days(today(), 7)}


def run_report(name: str, module: str, filters: dict) -> list[frappe._dict]:
	execute = frappe.get_attr(f"{APP}.{scrub(module)}.report.{scrub(name)}.{scrub(name)}.execute")
	return [frappe._dict(row) for row in execute(frappe._dict(filters))[1]]


class HostileNamesTestCase(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_user(REP, ["Dealer Sales Rep", "Sales User"])
		make_credit_users()
		set_credit_mode("Enforce")
		# Another customer's receivables, which no dealer's exposure may include.
		victim = make_customer(f"DR Names Victim {frappe.generate_hash(length=5)}")
		make_sales_invoice(victim, VICTIM_RECEIVABLE)

	def tearDown(self):
		frappe.set_user("Administrator")

	def for_each(self, worlds, check):
		"""Run ``check(world)`` for every hostile name, each reported on its own."""
		for world in worlds:
			with self.subTest(name=world.label):
				check(world)


class TestCreditCheck(HostileNamesTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.worlds = make_worlds(first_rank=5000)

	def test_exposure_is_only_the_customers_own(self):
		company = get_company()
		currency = company_defaults().default_currency

		def check(world):
			# both submits run the check on the dealer's exposure, which is 3,000 then 9,000
			make_sales_invoice(world.customer, 3000, items=[line(world.item, 3000)])
			order = make_sales_order(world.customer, 6000, items=[line(world.item, 6000)], submit=False)
			order.submit()
			for lock in (False, True):
				exposure = get_exposure(world.customer, company, lock=lock)
				self.assertEqual(exposure.outstanding, 3000)
				self.assertEqual(exposure.unbilled_orders, 6000)
				self.assertEqual(exposure.unallocated_advances, 0)
			over = make_sales_invoice(world.customer, 1500, items=[line(world.item, 1500)], submit=False)
			with self.assertRaises(frappe.ValidationError) as refused:
				over.submit()
			self.assertIn(fmt_money(10_500, currency=currency), str(refused.exception))
			self.assertEqual(frappe.db.get_value("Sales Invoice", over.name, "docstatus"), 0)

		self.for_each(self.worlds, check)


class TestCreditRating(HostileNamesTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.worlds = make_worlds(first_rank=5500)

	def test_credit_rating_reads_each_customers_own_sales(self):
		company = get_company()
		for world in self.worlds:
			make_sales_invoice(world.customer, 2000, items=[line(world.item, 2000)])
		dealers = [world.dealer for world in self.worlds]
		self.assertEqual(run_rating(dealers)["rated"], len(dealers))
		# the background job's locking read finds each hostile dealer's rating of the day
		self.assertEqual(run_rating_job(dealers, today()), {"rated": 0, "already_rated": len(dealers)})
		sales = load_sales([world.customer for world in self.worlds], frappe.utils.getdate())

		def check(world):
			self.assertEqual(flt(sales[(world.customer, company)].gross_12), 2000)
			rating = frappe.get_all(
				"Dealer Credit Rating",
				filters={"dealer": world.dealer},
				fields=["dealer_name", "average_monthly_sales"],
			)
			self.assertEqual(len(rating), 1)
			self.assertEqual(rating[0].dealer_name, world.customer)

		self.for_each(self.worlds, check)


class TestYearEndRebates(HostileNamesTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_items()
		setup_rebate_accounts()
		cls.worlds = make_worlds(first_rank=6000)
		cls.other_item = make_item(hostile("quote", "x"))
		for world in cls.worlds:
			frappe.db.set_value("Dealer", world.dealer, "credit_limit", 1_000_000_000)
			for offset, qty in ((10, 3), (40, 2)):
				make_sales_invoice(
					world.customer,
					0,
					posting_date=day(offset),
					items=[line(world.item, qty * 10_000, qty), line(cls.other_item, 500)],
				)

	def run_policy(self, basis: str, items: list[str]):
		policy = make_policy(
			dealers=[world.dealer for world in self.worlds],
			basis=basis,
			items=[{"item_code": item} for item in items],
		)
		counts = run_year_end(policy.name)
		self.assertEqual(counts["created"], len(self.worlds))
		settlements = {
			row.dealer: row
			for row in frappe.get_all(
				"Rebate Settlement",
				filters={"rebate_policy": policy.name},
				fields=["dealer", "dealer_name", "customer", "eligible_volume", "monthly_volume"],
			)
		}
		# an invoice line earns at most one policy of a dealer: the next run's policy shares items
		policy.cancel()
		return settlements

	def test_settlements_carry_each_dealers_own_volume(self):
		items = [world.item for world in self.worlds]
		# two policies over the same year, one after the other: the second adds the other item
		for basis, scope, volume in (
			("Net Amount", items, 50_000),
			("Quantity", [*items, self.other_item], 3 + 1 + 2 + 1),
		):
			settlements = self.run_policy(basis, scope)

			def check(world, settlements=settlements, volume=volume):
				settlement = settlements[world.dealer]
				self.assertEqual(settlement.dealer_name, world.customer)
				self.assertEqual(settlement.customer, world.customer)
				self.assertEqual(flt(settlement.eligible_volume), volume)
				months = frappe.parse_json(settlement.monthly_volume)
				self.assertEqual(sum(flt(month["volume"]) for month in months), volume)

			self.for_each(self.worlds, check)


class TestReports(HostileNamesTestCase):
	"""Every Script Report of the app, filtered on hostile values, shows that dealer's figures."""

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_items()
		setup_rebate_accounts()
		set_diversion_settings(diversion_detection="Open Incident")
		cls.worlds = make_worlds(first_rank=7000)
		for world in cls.worlds:
			frappe.db.set_value("Dealer", world.dealer, "credit_limit", 1_000_000)
			make_sales_invoice(world.customer, 0, posting_date=day(5), items=[line(world.item, 30_000, 3)])
			make_sales_order(world.customer, 4000, items=[line(world.item, 4000)])
			backdate_dealer(world.dealer, 30)
			make_visit(world.dealer, add_days(today(), -1))
			field_report([(world.item, 1, 700, None, None)], found_territory=world.found, dealer=world.dealer)
			world.policy = make_policy(dealers=[world.dealer], items=[{"item_code": world.item}]).name
			run_year_end(world.policy)

	def filters_for(self, name: str, world, known: set[str]) -> frappe._dict:
		values = {
			"company": get_company(),
			"dealer": world.dealer,
			# where the goods were found, for incidents; where the dealer sells, for the others
			"territory": world.found if name == "Diversion Incidents" else world.territory,
			"tier": world.tier,
			"rebate_policy": world.policy,
			"sales_rep": REP,
			"from_date": add_days(today(), -400),
			"to_date": today(),
			"show_later": 1,
		}
		return frappe._dict({key: value for key, value in values.items() if key in known})

	def run_reports(self, world, **overrides) -> dict[str, list]:
		"""{report: rows} of every Script Report (with ``overrides``: of those with such a filter);
		a report that refuses a filter naming no record (a clear "not found") shows no rows."""
		results = {}
		for name, module in app_script_reports():
			known, _required = report_filters(name, module)
			if overrides and not set(overrides) & known:
				continue
			filters = self.filters_for(name, world, known)
			filters.update({key: value for key, value in overrides.items() if key in known})
			try:
				results[name] = run_report(name, module, filters)
			except frappe.DoesNotExistError:
				if not overrides:
					raise
				frappe.clear_messages()
				results[name] = []
		return results

	def test_each_report_shows_the_hostile_dealers_figures(self):
		def check(world):
			results = self.run_reports(world)
			self.assertGreaterEqual(len(results), 8)
			for name, rows in results.items():
				dealers = {row.dealer for row in rows if row.get("dealer")}
				self.assertLessEqual(dealers, {world.dealer}, name)
			[exposure] = results["Dealer Credit Exposure"]
			self.assertEqual((exposure.outstanding, exposure.unbilled_orders), (30_000, 4000))
			self.assertEqual(exposure.dealer_name, world.customer)
			[liability] = results["Rebate Liability"]
			self.assertEqual(liability.volume, 30_000)
			[settlement] = results["Rebate Settlement Register"]
			self.assertEqual(settlement.eligible_volume, 30_000)
			self.assertEqual(results["Dealer Rebate Statement"][-1]["volume"], 30_000)
			[incident] = results["Diversion Incidents"]
			self.assertEqual(incident.diverted_value, 700)
			[plan] = results["Dealer Visit Plan"]
			self.assertEqual(plan.dealer, world.dealer)
			[coverage] = results["Dealer Visit Coverage"]
			self.assertEqual((coverage.dealers, coverage.visits), (1, 1))

		self.for_each(self.worlds, check)

	def test_a_filter_value_nobody_has_matches_nothing(self):
		world = self.worlds[0]
		for key in ("company", "dealer", "territory", "tier", "sales_rep", "rebate_policy"):
			with self.subTest(filter=key):
				results = self.run_reports(world, **{key: NOBODY})
				for name, rows in results.items():
					self.assertFalse([row for row in rows if row.get("dealer")], f"{name} filtered on {key}")

	def test_a_rep_held_to_hostile_dealers_by_user_permissions_sees_them(self):
		"""The reports read the dealers the user may see as Frappe's own list query, rendered with
		its values: a ``%`` in it must reach the database as ``%``, not as a format character."""
		for world in self.worlds:
			frappe.get_doc(
				{"doctype": "User Permission", "user": REP, "allow": "Dealer", "for_value": world.dealer}
			).insert(ignore_permissions=True)
		frappe.set_user(REP)
		filters = {"company": get_company(), "from_date": add_days(today(), -30), "to_date": today()}
		results = {
			name: run_report(name, module, {**filters, "show_later": 1})
			for name, module in app_script_reports()
			if name in ("Dealer Credit Exposure", "Dealer Visit Plan", "Dealer Visit Coverage")
		}
		expected = {world.dealer for world in self.worlds}
		for name in ("Dealer Credit Exposure", "Dealer Visit Plan"):
			self.assertEqual({row.dealer for row in results[name]}, expected, name)
		[coverage] = results["Dealer Visit Coverage"]
		self.assertEqual(coverage.dealers, len(self.worlds))
		# the workspace charts read the same sub-query
		by_region = dealers_by_region_and_tier()
		self.assertEqual(sum(sum(dataset["values"]) for dataset in by_region["datasets"]), len(self.worlds))
		by_month = visits_per_month_by_tier()
		self.assertEqual(sum(sum(dataset["values"]) for dataset in by_month["datasets"]), len(self.worlds))

	def test_a_rep_with_quote_and_percent_in_the_address_sees_their_dealers(self):
		"""A rep's row condition carries the user's address as an SQL literal: ``'`` and ``%`` are
		valid in an email address and must match it, in the list and in the reports."""
		rep = make_user(f"o'brien%{frappe.generate_hash(length=5)}@example.com", ["Dealer Sales Rep"])
		world = self.worlds[0]
		frappe.db.set_value("Dealer", world.dealer, "sales_rep", rep)
		self.addCleanup(frappe.db.set_value, "Dealer", world.dealer, "sales_rep", REP)
		frappe.set_user(rep)
		self.assertEqual(frappe.get_list("Dealer", pluck="name"), [world.dealer])
		[row] = run_report("Dealer Credit Exposure", "Dealer Relations", {"company": get_company()})
		self.assertEqual(row.dealer, world.dealer)

	def test_markup_in_a_name_is_text_in_every_report(self):
		world = self.worlds[0]
		frappe.db.set_value("Dealer", world.dealer, "dealer_name", SCRIPT)
		self.addCleanup(frappe.db.set_value, "Dealer", world.dealer, "dealer_name", world.customer)
		frappe.db.set_value("Rebate Settlement", {"dealer": world.dealer}, "dealer_name", SCRIPT)
		frappe.db.set_value("Diversion Incident", {"dealer": world.dealer}, "dealer_name", SCRIPT)
		override = frappe.get_doc(
			{
				"doctype": "Dealer Credit Override",
				"dealer": world.dealer,
				"override_reason": SCRIPT,
				"overridden_on": frappe.utils.now_datetime(),
			}
		)
		override.flags.from_credit_check = True
		override.insert(ignore_permissions=True)
		frappe.db.set_value("Dealer Credit Override", override.name, "dealer_name", SCRIPT)
		results = self.run_reports(world)
		for name, rows in results.items():
			markup = [value for row in rows for value in row.values() if "<img" in str(value)]
			self.assertEqual(markup, [], name)
		for name in ("Dealer Credit Exposure", "Rebate Settlement Register", "Dealer Credit Overrides"):
			self.assertIn("&lt;img", results[name][0].dealer_name, name)

	def test_tiers_whose_names_make_the_same_fieldname_keep_their_own_columns(self):
		rep = make_user("dr-names-rep2@example.com", ["Dealer Sales Rep", "Sales User"])
		suffix = frappe.generate_hash(length=5)
		tiers = [make_tier(f"DR NM {suffix} A-B", rank=7500), make_tier(f"dr nm {suffix} a b", rank=7501)]
		territory = self.worlds[0].territory
		for tier, count in zip(tiers, (1, 2), strict=True):
			for _n in range(count):
				make_dealer(status="Active", territories=[territory], tier=tier, sales_rep=rep)
		columns, [row], *_rest = frappe.get_attr(
			f"{APP}.dealer_relations.report.dealer_visit_coverage.dealer_visit_coverage.execute"
		)(frappe._dict(from_date=add_days(today(), -30), to_date=today(), sales_rep=rep))
		share = {
			column["label"]: row[column["fieldname"]]
			for column in columns
			if column["label"].endswith("Dealers %")
		}
		self.assertAlmostEqual(share[f"Tier {tiers[0]} Dealers %"], 33.3, places=1)
		self.assertAlmostEqual(share[f"Tier {tiers[1]} Dealers %"], 66.7, places=1)


class TestDiversion(HostileNamesTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		set_diversion_settings(diversion_detection="Open Incident")
		cls.worlds = make_worlds(first_rank=8000, stock=1)

	def test_delivery_into_a_hostile_territory_opens_an_incident_and_traces(self):
		def check(world):
			serials = [f"DR-NM-SN-{frappe.generate_hash(length=8)}" for _ in range(2)]
			receive(world.item, 2, serial_no="\n".join(serials))
			# goods go to another hostile territory, outside the dealer's own
			address = make_address(world.customer, territory=world.found, address_title="DR Names")
			note = deliver(world.customer, [(world.item, 2, 500, "\n".join(serials), None)], address)
			[incident] = frappe.get_all(
				"Diversion Incident",
				filters={"reference_name": note.name},
				fields=["dealer", "found_territory", "diverted_value"],
			)
			self.assertEqual((incident.dealer, incident.found_territory), (world.dealer, world.found))
			self.assertEqual(flt(incident.diverted_value), 1000)
			traced = field_report([(world.item, 0, 500, serials[0], None)], found_territory=world.found)
			self.assertEqual((traced.dealer, traced.items[0].traced_to), (world.dealer, world.dealer))

		self.for_each(self.worlds, check)


class TestNamesInMessages(HostileNamesTestCase):
	"""A name is text, not markup, in the messages the app shows."""

	def test_pinned_limit_reason_is_text_on_the_timeline(self):
		world = make_world("quote", rank=9100)
		frappe.set_user(CONTROLLER)
		pin_credit_limit(world.dealer, 1, 5000, SCRIPT)
		frappe.set_user("Administrator")
		[comment] = frappe.get_all(
			"Comment",
			filters={"reference_doctype": "Dealer", "reference_name": world.dealer, "comment_type": "Info"},
			pluck="content",
		)
		self.assertNotIn("<img", comment)
		self.assertIn("&lt;img", comment)

	def test_credit_message_escapes_the_dealer_name(self):
		world = make_world("quote", rank=9000)
		frappe.db.set_value("Dealer", world.dealer, "dealer_name", SCRIPT)
		order = make_sales_order(world.customer, 20_000, items=[line(world.item, 20_000)], submit=False)
		with self.assertRaises(frappe.ValidationError) as refused:
			order.submit()
		self.assertNotIn("<img", str(refused.exception))
		self.assertIn("&lt;img", str(refused.exception))
		frappe.set_user(CONTROLLER)
		order.reload()
		order.credit_override_reason = "Approved by the board"
		order.submit()
		self.assertFalse([m for m in frappe.get_message_log() if "<img" in str(m)])
