"""Target Completion policies (年度任务完成率): the year-end run pays by each dealer's completion,
submit refuses missing or non-positive targets, targets come from last year or from a sheet (bad
rows refused with their number, nothing written), and reps see their own dealers' completion only."""

import frappe
from frappe.utils import add_years, getdate
from frappe.utils.xlsxutils import make_xlsx

from dealer_relations.dealer_relations.report.dealer_rebate_statement.dealer_rebate_statement import (
	execute as statement,
)
from dealer_relations.dealer_relations.report.dealer_target_completion.dealer_target_completion import (
	execute as completion_report,
)
from dealer_relations.dealer_relations.report.rebate_liability.rebate_liability import (
	execute as liability,
)
from dealer_relations.rebate_targets import (
	fill_targets_from_last_year,
	get_dealer_target_completion,
	import_targets,
)
from dealer_relations.rebates import run_year_end
from dealer_relations.tests.rebate_factories import (
	PUMP,
	REBATE_TEST_IGNORE,
	day,
	make_invoice,
	make_items,
	make_policy,
	make_rebate_dealer,
	setup_rebate_accounts,
)
from dealer_relations.tests.utils import FrappeTestCase, make_user

test_ignore = REBATE_TEST_IGNORE

ACCOUNTANT = "dr-tg-accountant@example.com"
MANAGER = "dr-tg-manager@example.com"
REP = "dr-tg-rep@example.com"
OTHER_REP = "dr-tg-other-rep@example.com"
PORTAL_USER = "dr-tg-portal@example.com"

# below 60 %: nothing; 60-100 %: 4 %; 100-120 %: 6 %; from 120 %: 8 % of the achieved volume
STEPS = ((60, 4), (100, 6), (120, 8))


def last_year(offset: int):
	return getdate(add_years(day(offset), -1))


def ensure_fiscal_year(start) -> None:
	"""Last year's invoices need their fiscal year (a fresh test site has only this year's)."""
	start = getdate(start)
	if frappe.db.exists("Fiscal Year", {"year_start_date": ("<=", start), "year_end_date": (">=", start)}):
		return
	frappe.get_doc(
		{
			"doctype": "Fiscal Year",
			"year": str(start.year),
			"year_start_date": start.replace(month=1, day=1),
			"year_end_date": start.replace(month=12, day=31),
		}
	).insert(ignore_permissions=True)


def sheet_file(policy: str, name: str, content: bytes) -> str:
	return (
		frappe.get_doc(
			{
				"doctype": "File",
				"file_name": name,
				"content": content,
				"is_private": 1,
				"attached_to_doctype": "Rebate Policy",
				"attached_to_name": policy,
			}
		)
		.insert(ignore_permissions=True)
		.name
	)


class TestRebateTargets(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		ensure_fiscal_year(last_year(0))
		make_items()
		setup_rebate_accounts()
		make_user(ACCOUNTANT, ["Rebate Accountant"])
		make_user(MANAGER, ["Dealer Manager"])
		make_user(REP, ["Dealer Sales Rep", "Sales User"])
		make_user(OTHER_REP, ["Dealer Sales Rep", "Sales User"])
		# the submitted policy's dealers
		cls.mine = make_rebate_dealer(sales_rep=REP)  # target 100,000, 75,000 so far: 75 %
		cls.theirs = make_rebate_dealer(sales_rep=OTHER_REP)  # target 55,000, 66,000: 120 %
		make_invoice(cls.mine.customer, [(PUMP, 5, 10_000)], day(10))
		make_invoice(cls.mine.customer, [(PUMP, 5, 5_000)], day(40))
		make_invoice(cls.theirs.customer, [(PUMP, 6, 11_000)], day(20))
		cls.policy = make_policy(
			basis="Target Completion",
			slabs=STEPS,
			dealers=[cls.mine.name, cls.theirs.name],
			targets=[
				{"dealer": cls.mine.name, "target": 100_000},
				{"dealer": cls.theirs.name, "target": 55_000},
			],
		)
		# the drafts' dealers: one sold 100,000 last year (and returned some), one nothing
		cls.seasoned = make_rebate_dealer()
		cls.newcomer = make_rebate_dealer()
		make_invoice(cls.seasoned.customer, [(PUMP, 8, 10_000)], last_year(30))
		make_invoice(cls.seasoned.customer, [(PUMP, 2, 10_000)], last_year(300))
		make_invoice(cls.mine.customer, [(PUMP, 1, 99_000)], last_year(100))  # another dealer's

	def draft(self, **kwargs):
		return make_policy(
			basis="Target Completion",
			slabs=STEPS,
			dealers=[self.seasoned.name, self.newcomer.name],
			submit=False,
			**kwargs,
		)

	# -- the year-end run and the reports ------------------------------------------------------------

	def test_year_end_pays_by_completion(self):
		run_year_end(self.policy.name)
		settlements = {
			row.dealer: row
			for row in frappe.get_all(
				"Rebate Settlement",
				filters={"rebate_policy": self.policy.name},
				fields=[
					"dealer",
					"eligible_volume",
					"target",
					"completion_percent",
					"slab_reached",
					"rate",
					"net_rebate",
				],
			)
		}
		mine, theirs = settlements[self.mine.name], settlements[self.theirs.name]
		# 75,000 of 100,000 = 75 %: 4 % of 75,000
		self.assertEqual(
			(mine.eligible_volume, mine.target, mine.completion_percent, mine.slab_reached, mine.rate),
			(75_000, 100_000, 75, 1, 4),
		)
		self.assertEqual(mine.net_rebate, 3_000)
		# 66,000 of 55,000 = 120 % exactly: 8 % of 66,000
		self.assertEqual((theirs.completion_percent, theirs.slab_reached, theirs.net_rebate), (120, 3, 5_280))
		# the settlement form recomputes the same figures through the same path
		doc = frappe.get_doc(
			"Rebate Settlement",
			frappe.db.get_value(
				"Rebate Settlement", {"rebate_policy": self.policy.name, "dealer": self.mine.name}
			),
		)
		doc.save()
		self.assertEqual((doc.target, doc.net_rebate), (100_000, 3_000))
		self.assertEqual([(row.min_value, row.volume) for row in doc.slab_breakdown], [(60_000, 75_000)])

	def test_liability_and_statement_use_the_targets(self):
		_c, data, *_rest = liability(frappe._dict(rebate_policy=self.policy.name))
		rows = {row["dealer"]: row for row in data}
		self.assertEqual(
			(rows[self.mine.name]["accrued_rebate"], rows[self.mine.name]["gap"]), (3_000, 25_000)
		)
		# reaching 100 % pays 6 % of 100,000
		self.assertEqual(rows[self.mine.name]["extra_rebate"], 6_000 - 3_000)
		self.assertIsNone(rows[self.theirs.name]["gap"])
		_c, data, message, *_rest = statement(
			frappe._dict(rebate_policy=self.policy.name, dealer=self.mine.name)
		)
		self.assertIn("75", message)
		self.assertEqual(
			[row.get("slab") for row in data if not row.get("bold")], [0, 1]
		)  # 50,000 then 75,000

	def test_portal_shows_the_dealer_its_target_and_completion(self):
		from dealer_relations.portal import dealer_rebates

		rebates = dealer_rebates(frappe._dict(self.mine.as_dict()))
		[progress] = [p for p in rebates.policies if p.policy == self.policy.name]
		self.assertEqual((progress.result.target, progress.result.completion), (100_000, 75))
		self.assertEqual(
			(progress.result.net_rebate, progress.ahead.gap, progress.ahead.completion), (3_000, 25_000, 100)
		)
		# the dealer's own page, as its portal user
		from frappe.website.serve import get_response

		from dealer_relations.portal import invite_portal_user

		invite_portal_user(self.mine.name, PORTAL_USER)
		with self.set_user(PORTAL_USER):
			html = get_response("dealer/rebates").get_data(as_text=True)
		self.assertRegex(html, r'rebate-completion">\s*75(\.0)?\s*%')
		self.assertIn('class="col-5 text-right rebate-target"', html)

	def test_rep_sees_own_dealers_completion_only(self):
		with self.set_user(REP):
			_c, data, *_rest = completion_report(frappe._dict(rebate_policy=self.policy.name))
			[(policy)] = get_dealer_target_completion(self.mine.name)
			with self.assertRaises(frappe.PermissionError):
				get_dealer_target_completion(self.theirs.name)
			# the policy's targets are a finance field: the rep's copy of the policy has none
			seen = frappe.call("frappe.client.get", doctype="Rebate Policy", name=self.policy.name)
		self.assertEqual([row["dealer"] for row in data], [self.mine.name])
		row = data[0]
		self.assertEqual(
			(row["target"], row["achieved"], row["completion"], row["next_step"], row["gap"]),
			(100_000, 75_000, 75, 100, 25_000),
		)
		self.assertEqual(
			(policy["policy"], policy["completion"], policy["gap"], policy["next_step"]),
			(self.policy.name, 75, 25_000, 100),
		)
		self.assertFalse(seen.get("targets"))
		with self.set_user(ACCOUNTANT):
			_c, data, *_rest = completion_report(frappe._dict(rebate_policy=self.policy.name))
			self.assertTrue(
				frappe.call("frappe.client.get", doctype="Rebate Policy", name=self.policy.name)["targets"]
			)
		self.assertEqual({row["dealer"] for row in data}, {self.mine.name, self.theirs.name})

	# -- submit ---------------------------------------------------------------------------------------

	def test_submit_refuses_missing_zero_or_stray_targets(self):
		stranger = make_rebate_dealer()
		for targets, words in (
			([{"dealer": self.seasoned.name, "target": 10}], self.newcomer.name),  # no row
			(
				[{"dealer": self.seasoned.name, "target": 10}, {"dealer": self.newcomer.name, "target": 0}],
				"above zero",
			),
			(
				[
					{"dealer": self.seasoned.name, "target": 10},
					{"dealer": self.newcomer.name, "target": 10},
					{"dealer": stranger.name, "target": 10},
				],
				"not covered",
			),
		):
			policy = self.draft(targets=targets)
			with self.assertRaisesRegex(frappe.ValidationError, words):
				policy.submit()
			self.assertEqual(frappe.db.get_value("Rebate Policy", policy.name, "docstatus"), 0)
		with self.assertRaises(frappe.ValidationError):  # negative: refused on save already
			self.draft(targets=[{"dealer": self.seasoned.name, "target": -5}])
		with self.assertRaisesRegex(frappe.ValidationError, "more than once"):
			self.draft(
				targets=[
					{"dealer": self.seasoned.name, "target": 5},
					{"dealer": self.seasoned.name, "target": 6},
				]
			)

	# -- filling and importing ------------------------------------------------------------------------

	def test_fill_from_last_year_with_growth(self):
		policy = self.draft(target_growth_percent=10)
		with self.set_user(ACCOUNTANT):
			result = fill_targets_from_last_year(policy.name)
		self.assertEqual(result, {"dealers": 2, "without_volume": 1})
		policy.reload()
		targets = {row.dealer: (row.last_year_volume, row.target) for row in policy.targets}
		# 80,000 + 20,000 in last year's period, plus 10 %
		self.assertEqual(targets[self.seasoned.name], (100_000, 110_000))
		self.assertEqual(targets[self.newcomer.name], (0, 0))
		with self.assertRaisesRegex(frappe.ValidationError, "above zero"):
			policy.submit()

	def test_import_from_csv_and_xlsx(self):
		policy = self.draft(targets=[{"dealer": self.newcomer.name, "target": 7}])
		csv = f'Dealer,Target\n{self.seasoned.name},"120,000.50"\n'.encode()
		with self.set_user(ACCOUNTANT):
			self.assertEqual(
				import_targets(policy.name, sheet_file(policy.name, "targets.csv", csv)), {"imported": 1}
			)
		policy.reload()
		self.assertEqual(
			{row.dealer: row.target for row in policy.targets},
			{self.newcomer.name: 7, self.seasoned.name: 120_000.5},
		)
		xlsx = make_xlsx([["dealer", "target"], [self.newcomer.name, 30_000]], "Targets").getvalue()
		with self.set_user(ACCOUNTANT):
			import_targets(policy.name, sheet_file(policy.name, "targets.xlsx", xlsx))
		policy.reload()
		self.assertEqual({row.dealer: row.target for row in policy.targets}[self.newcomer.name], 30_000)

	def test_import_refuses_bad_rows_and_writes_nothing(self):
		policy = self.draft(targets=[{"dealer": self.seasoned.name, "target": 5}])
		before = frappe.db.get_value("Rebate Policy", policy.name, "modified")
		good = f"{self.seasoned.name},100"
		for body, words in (
			(f"{good}\nDR-NO-SUCH-DEALER,100", "Row 3: Dealer DR-NO-SUCH-DEALER is not covered"),
			(f"{good}\n{self.newcomer.name},-100", "Row 3: .*cannot be negative"),
			(f"{good}\n{self.newcomer.name},lots", "Row 3: .*not a number"),
		):
			name = sheet_file(policy.name, "bad.csv", f"dealer,target\n{body}\n".encode())
			with self.set_user(ACCOUNTANT), self.assertRaisesRegex(frappe.ValidationError, words):
				import_targets(policy.name, name)
			policy.reload()
			self.assertEqual([(row.dealer, row.target) for row in policy.targets], [(self.seasoned.name, 5)])
			self.assertEqual(frappe.db.get_value("Rebate Policy", policy.name, "modified"), before)
		with self.set_user(ACCOUNTANT), self.assertRaisesRegex(frappe.ValidationError, "CSV or XLSX"):
			import_targets(policy.name, sheet_file(policy.name, "targets.txt", b"dealer,target\n"))

	def test_only_who_may_change_targets_fills_or_imports(self):
		policy = self.draft(targets=[{"dealer": self.seasoned.name, "target": 5}])
		name = sheet_file(policy.name, "targets.csv", f"dealer,target\n{self.seasoned.name},900\n".encode())
		for user in (REP, MANAGER):
			with self.set_user(user):
				with self.assertRaises(frappe.PermissionError):
					fill_targets_from_last_year(policy.name)
				with self.assertRaises(frappe.PermissionError):
					import_targets(policy.name, name)
		policy.reload()
		self.assertEqual([row.target for row in policy.targets], [5])
		# a submitted policy's targets no longer change
		with self.set_user(ACCOUNTANT), self.assertRaisesRegex(frappe.ValidationError, "submitted"):
			fill_targets_from_last_year(self.policy.name)

	def test_rep_cannot_list_targets_through_the_api(self):
		"""Frappe's list queries judge a child table's columns by their own permission level, not
		the table field's: the target columns carry the finance level themselves."""
		self.assertEqual(len(frappe.get_all("Rebate Policy Target", filters={"parent": self.policy.name})), 2)
		with self.set_user(REP):
			rows = frappe.call(
				"frappe.client.get_list",
				doctype="Rebate Policy Target",
				parent="Rebate Policy",
				fields=["dealer", "target"],
				filters={"parent": self.policy.name},
				limit_page_length=0,
			)
			joined = frappe.call(
				"frappe.client.get_list",
				doctype="Rebate Policy",
				filters={"name": self.policy.name},
				fields=["name", "`tabRebate Policy Target`.target", "`tabRebate Policy Target`.dealer"],
			)
			frappe.local.form_dict = frappe._dict(
				doctype="Rebate Policy",
				filters={"name": self.policy.name},
				fields=["`tabRebate Policy`.name", "`tabRebate Policy Target`.target"],
			)
			listed = frappe.call("frappe.desk.reportview.get")
		# the two rows without their figures; the policy once (no target column, so no join)
		self.assertEqual((len(rows), len(joined)), (2, 1))
		for row in (*rows, *joined):
			self.assertNotIn("target", row)
			self.assertNotIn("dealer", row)
		self.assertEqual(listed["keys"], ["name"])
		with self.set_user(ACCOUNTANT):
			joined = frappe.call(
				"frappe.client.get_list",
				doctype="Rebate Policy",
				filters={"name": self.policy.name},
				fields=["name", "`tabRebate Policy Target`.target"],
			)
		self.assertEqual(sorted(row["target"] for row in joined), [55_000, 100_000])
