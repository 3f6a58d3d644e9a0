"""Dealer portal services: who may invite or disable portal users, the statement agreeing with
ERPNext's Accounts Receivable, the home page in a constant number of queries, finance's answer."""

from __future__ import annotations

from decimal import Decimal

import frappe
from frappe.utils import add_days, add_months, getdate, today

from dealer_relations.engine.statement import CREDIT_NOTE, INVOICE, PAYMENT, month_of
from dealer_relations.portal import (
	dealer_standing,
	dealers_of_portal_user,
	disable_portal_user,
	invite_portal_user,
)
from dealer_relations.statement import get_statement, respond_to_statement
from dealer_relations.tests.credit_utils import (
	ITEM,
	count_queries,
	make_credit_dealer,
	make_delivery_note,
	make_payment,
	make_sales_invoice,
	make_sales_order,
)
from dealer_relations.tests.rebate_factories import make_return
from dealer_relations.tests.utils import FrappeTestCase, make_customer, make_user

MANAGER = "dr-portal-manager@example.com"
REP, OTHER_REP = "dr-portal-rep@example.com", "dr-portal-rep2@example.com"
ACCOUNTANT = "dr-portal-accounts@example.com"
CONFIRMATION = "Dealer Statement Confirmation"


def ar_outstanding(customer: str, company: str, report_date) -> Decimal:
	"""ERPNext's Accounts Receivable for one customer: the sum of its rows' outstanding."""
	from erpnext.accounts.report.accounts_receivable.accounts_receivable import execute

	_columns, rows, *_rest = execute(
		{
			"company": company,
			"report_date": report_date,
			"party_type": "Customer",
			"party": [customer],
			"ageing_based_on": "Posting Date",
			"range": "30, 60, 90, 120",
		}
	)
	return sum(
		(Decimal(str(row.get("outstanding") or 0)) for row in rows if row.get("voucher_no")), Decimal(0)
	)


class TestPortalUsers(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_user(MANAGER, ["Dealer Manager"])
		make_user(REP, ["Dealer Sales Rep"])
		make_user(OTHER_REP, ["Dealer Sales Rep"])
		cls.dealer = make_credit_dealer(customer=make_customer("DR Portal Users Co"), sales_rep=REP)
		cls.other = make_credit_dealer(
			customer=make_customer("DR Portal Users Other Co"), sales_rep=OTHER_REP
		)

	def tearDown(self):
		frappe.set_user("Administrator")

	def test_rep_invites_for_own_dealer_only(self):
		frappe.set_user(OTHER_REP)
		self.assertRaises(frappe.PermissionError, invite_portal_user, self.dealer.name, "dr-pu-1@example.com")
		self.assertFalse(frappe.db.exists("User", "dr-pu-1@example.com"))
		frappe.set_user(REP)
		result = invite_portal_user(self.dealer.name, "DR-PU-1@example.com", "Li")
		self.assertIn("/update-password?key=", result["link"])
		frappe.set_user("Administrator")
		user = frappe.get_doc("User", "dr-pu-1@example.com")
		self.assertEqual(user.user_type, "Website User")
		self.assertEqual({r.role for r in user.roles}, {"Customer"})
		self.assertEqual([d.name for d in dealers_of_portal_user(user.name)], [self.dealer.name])

	def test_manager_invites_any_dealer(self):
		frappe.set_user(MANAGER)
		invite_portal_user(self.other.name, "dr-pu-2@example.com")
		self.assertEqual([d.name for d in dealers_of_portal_user("dr-pu-2@example.com")], [self.other.name])

	def test_desk_user_or_other_dealers_user_not_taken(self):
		"""Inviting them would hand their set-password link to the inviter."""
		frappe.set_user(MANAGER)
		for email in (OTHER_REP, "administrator@example.com"):
			if frappe.db.exists("User", email):
				self.assertRaises(frappe.ValidationError, invite_portal_user, self.dealer.name, email)
		invite_portal_user(self.other.name, "dr-pu-3@example.com")
		self.assertRaises(frappe.ValidationError, invite_portal_user, self.dealer.name, "dr-pu-3@example.com")
		self.assertEqual([d.name for d in dealers_of_portal_user("dr-pu-3@example.com")], [self.other.name])
		self.assertRaises(frappe.ValidationError, invite_portal_user, self.dealer.name, "not an email")

	def test_existing_website_user_gets_the_link_by_mail_only(self):
		"""A rep inviting someone's existing account must not receive its set-password link."""
		from unittest.mock import patch

		from frappe.core.doctype.user.user import User

		make_user("dr-pu-5@example.com")  # a website user of nothing (e.g. a newsletter reader)
		frappe.set_user(REP)
		with patch.object(User, "password_reset_mail", autospec=True) as mailed:
			result = invite_portal_user(self.dealer.name, "dr-pu-5@example.com")
		[(user, link), _kwargs] = mailed.call_args
		self.assertEqual(user.name, "dr-pu-5@example.com")
		self.assertIn("/update-password?key=", link)
		self.assertIsNone(result["link"])
		self.assertTrue(result["emailed"])
		self.assertEqual([d.name for d in dealers_of_portal_user("dr-pu-5@example.com")], [self.dealer.name])

	def test_portal_user_lands_outside_the_desk(self):
		"""Frappe's login sends a website user to the default app's route: the app must not be
		offered to a portal user, or the dealer lands on a desk page that refuses it (403)."""
		from frappe.apps import get_apps, get_default_path

		frappe.set_user(MANAGER)
		invite_portal_user(self.dealer.name, "dr-pu-6@example.com")
		self.assertIn("dealer_relations", {app["name"] for app in get_apps()})
		frappe.set_user("dr-pu-6@example.com")
		self.assertNotIn("dealer_relations", {app["name"] for app in get_apps()})
		self.assertFalse((get_default_path() or "").startswith("/app"))

	def test_disabled_portal_user_refused(self):
		frappe.set_user(MANAGER)
		invite_portal_user(self.dealer.name, "dr-pu-4@example.com")
		frappe.set_user(OTHER_REP)
		self.assertRaises(
			frappe.PermissionError, disable_portal_user, self.dealer.name, "dr-pu-4@example.com"
		)
		frappe.set_user(REP)
		disable_portal_user(self.dealer.name, "dr-pu-4@example.com")
		self.assertEqual(frappe.db.get_value("User", "dr-pu-4@example.com", "enabled"), 0)
		self.assertEqual(dealers_of_portal_user("dr-pu-4@example.com"), [])
		frappe.set_user("dr-pu-4@example.com")
		last_month = month_of(getdate(add_months(today(), -1))).key
		self.assertRaises(frappe.PermissionError, respond_to_statement, last_month, "Confirmed")
		frappe.set_user("Administrator")
		self.assertFalse(frappe.db.exists(CONFIRMATION, {"dealer": self.dealer.name}))


class TestStatement(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_user(ACCOUNTANT, ["Accounts User"])
		make_user(REP, ["Dealer Sales Rep"])
		cls.dealer = make_credit_dealer(customer=make_customer("DR Statement Co"), sales_rep=REP)
		cls.month = month_of(getdate(add_months(today(), -1)))
		before = add_days(cls.month.start, -3)
		day = add_days(cls.month.start, 4)
		old = make_sales_invoice(cls.dealer.customer, 500, posting_date=before)
		invoice = make_sales_invoice(cls.dealer.customer, 1000, posting_date=day)
		make_payment(old, 200, posting_date=day)
		make_return(invoice, {ITEM: 1}, day)  # the whole invoice returned
		make_payment(None, 50, posting_date=day, customer=cls.dealer.customer)  # an advance

	def test_statement_agrees_with_accounts_receivable(self):
		statement = get_statement(frappe._dict(self.dealer.as_dict()), self.month)
		self.assertEqual(statement.opening, Decimal(500))
		self.assertEqual(statement.totals[INVOICE], Decimal(1000))
		self.assertEqual(statement.totals[CREDIT_NOTE], Decimal(-1000))
		self.assertEqual(statement.totals[PAYMENT], Decimal(-250))
		self.assertEqual(statement.closing, Decimal(250))
		company = self.dealer.company
		self.assertEqual(statement.closing, ar_outstanding(self.dealer.customer, company, self.month.end))
		self.assertEqual(
			statement.opening,
			ar_outstanding(self.dealer.customer, company, add_days(self.month.start, -1)),
		)

	def test_statement_and_home_in_constant_queries(self):
		dealer = frappe._dict(self.dealer.as_dict())
		get_statement(dealer, self.month)  # warm the caches a first call fills (tier, company)
		dealer_standing(frappe._dict(dealer))
		with count_queries() as before_statement:
			get_statement(dealer, self.month)
		with count_queries() as before_home:
			dealer_standing(frappe._dict(dealer))
		for _i in range(3):
			make_sales_invoice(self.dealer.customer, 10, posting_date=add_days(self.month.start, 6))
			make_sales_order(self.dealer.customer, 10)
		with count_queries() as after_statement:
			get_statement(dealer, self.month)
		with count_queries() as after_home:
			dealer_standing(frappe._dict(dealer))
		self.assertEqual(len(after_statement), len(before_statement))
		self.assertLessEqual(len(after_statement), 2)
		self.assertEqual(len(after_home), len(before_home))
		self.assertEqual(len(after_home), 1)

	def test_home_exposure_is_the_credit_checks(self):
		"""The home page's constant SQL counts what credit.get_exposure counts: open invoices, a
		credit note, an advance, an unbilled order, an unbilled delivery note."""
		from dealer_relations.credit import get_exposure

		make_sales_order(self.dealer.customer, 70)
		make_delivery_note(self.dealer.customer, 30)
		dealer = frappe._dict(self.dealer.as_dict())
		home = dealer_standing(dealer).exposure
		checked = get_exposure(self.dealer.customer, self.dealer.company)
		self.assertEqual(
			(home.outstanding, home.unbilled_orders, home.unallocated_advances),
			(checked.outstanding, checked.unbilled_orders, checked.unallocated_advances),
		)
		self.assertTrue(home.outstanding and home.unbilled_orders and home.unallocated_advances, home)

	def test_statement_pdf_page_in_either_language(self):
		"""The PDF's HTML shows the statement's figures under headings in the language asked for."""
		from frappe.utils import fmt_money

		from dealer_relations.statement import statement_html

		dealer = frappe._dict(self.dealer.as_dict())
		currency = frappe.get_cached_value("Company", self.dealer.company, "default_currency")
		language = frappe.local.lang
		statement = get_statement(dealer, self.month)
		pages = {lang: statement_html(dealer, self.month, lang) for lang in ("zh", "en")}
		self.assertEqual(frappe.local.lang, language)  # the request's language is given back
		for lang, page in pages.items():
			for heading in ("Statement {0}", "Closing Balance", "Opening Balance"):
				translated = frappe._(heading, lang=lang)
				self.assertEqual(translated != heading, lang == "zh", heading)
				self.assertIn(translated.format(self.month.key), page, lang)
			# the ledger's figures (other tests of the class add invoices to the month)
			self.assertIn(f'opening-balance">{fmt_money(statement.opening, currency=currency)}<', page)
			self.assertIn(f'closing-balance">{fmt_money(statement.closing, currency=currency)}<', page)
			self.assertIn(f'lang="{lang}"', page)

	def test_finance_answers_a_dispute_and_cannot_rewrite_it(self):
		confirmation = frappe.get_doc(
			{
				"doctype": CONFIRMATION,
				"dealer": self.dealer.name,
				"customer": self.dealer.customer,
				"company": self.dealer.company,
				"month": self.month.key,
				"status": "Disputed",
				"reason": "missing payment",
				"closing_balance": 250,
			}
		).insert(ignore_permissions=True)
		frappe.set_user(ACCOUNTANT)
		try:
			doc = frappe.get_doc(CONFIRMATION, confirmation.name)
			doc.answer = "received on the 3rd, posted on the 5th"
			doc.closing_balance = 0
			doc.reason = "nothing"
			doc.save()
		finally:
			frappe.set_user("Administrator")
		stored = frappe.db.get_value(CONFIRMATION, confirmation.name, ["*"], as_dict=True)
		self.assertEqual((stored.status, stored.answered_by), ("Answered", ACCOUNTANT))
		self.assertEqual((stored.closing_balance, stored.reason), (250, "missing payment"))

	def test_confirmation_pdf_for_its_readers_only(self):
		"""Finance's Statement PDF button: the stored confirmation's readers, not another rep."""
		import shutil

		from dealer_relations.statement import download_confirmation_pdf

		make_user(OTHER_REP, ["Dealer Sales Rep"])
		confirmation = frappe.get_doc(
			{
				"doctype": CONFIRMATION,
				"dealer": self.dealer.name,
				"customer": self.dealer.customer,
				"company": self.dealer.company,
				"month": self.month.key,
				"status": "Confirmed",
			}
		).insert(ignore_permissions=True)
		frappe.local.response = frappe._dict()
		with self.set_user(OTHER_REP):
			self.assertRaises(frappe.PermissionError, download_confirmation_pdf, confirmation.name, "zh")
		with self.set_user(ACCOUNTANT):
			self.assertRaises(frappe.ValidationError, download_confirmation_pdf, confirmation.name, "fr")
		self.assertNotIn("filecontent", frappe.local.response)
		if not shutil.which("wkhtmltopdf"):
			self.skipTest("wkhtmltopdf is not installed (apt install wkhtmltopdf): no PDF can be printed")
		for user in (ACCOUNTANT, REP):
			with self.set_user(user):
				download_confirmation_pdf(confirmation.name, "zh")
			self.assertTrue(frappe.local.response.filecontent.startswith(b"%PDF"), user)
			self.assertEqual(
				frappe.local.response.filename,
				f"statement-{self.dealer.name}-{self.month.key}-zh.pdf".replace(" ", "-"),
			)
			frappe.local.response = frappe._dict()

	def test_rep_lists_confirmations_of_own_dealers_only(self):
		make_user(OTHER_REP, ["Dealer Sales Rep"])
		other = make_credit_dealer(customer=make_customer("DR Statement Other Co"), sales_rep=OTHER_REP)
		for dealer in (self.dealer, other):
			frappe.get_doc(
				{
					"doctype": CONFIRMATION,
					"dealer": dealer.name,
					"customer": dealer.customer,
					"company": dealer.company,
					"month": "2020-01",
					"status": "Confirmed",
				}
			).insert(ignore_permissions=True)
		frappe.set_user(REP)
		try:
			listed = frappe.get_list(CONFIRMATION, filters={"month": "2020-01"}, pluck="dealer")
		finally:
			frappe.set_user("Administrator")
		self.assertEqual(listed, [self.dealer.name])


class TestRebatesProgress(FrappeTestCase):
	def test_progress_of_running_policy_and_settlements(self):
		from dealer_relations.portal import dealer_rebates
		from dealer_relations.tests.rebate_factories import (
			PUMP,
			day,
			make_invoice,
			make_items,
			make_policy,
			make_rebate_dealer,
		)

		make_items()
		dealer = make_rebate_dealer(customer=make_customer("DR Portal Rebate Co"))
		other = make_rebate_dealer(customer=make_customer("DR Portal Rebate Other Co"))
		policy = make_policy(dealers=[dealer.name, other.name])
		as_of = day(181)
		make_invoice(dealer.customer, [(PUMP, 1, 60_000)], day(10))
		make_invoice(other.customer, [(PUMP, 1, 150_000)], day(10))
		row = frappe._dict(dealer.as_dict())
		rebates = dealer_rebates(row, as_of=as_of)
		[progress] = [p for p in rebates.policies if p.policy == policy.name]
		self.assertEqual(progress.result.volume, Decimal(60_000))
		self.assertEqual(progress.result.slab_reached, 1)
		self.assertEqual(progress.result.net_rebate, Decimal(600))  # 1% of 60,000
		self.assertEqual((progress.ahead.slab, progress.ahead.gap), (2, Decimal(40_000)))
		self.assertEqual(progress.ahead.extra_rebate, Decimal(1400))  # 2% of 100,000 - 600
		self.assertGreater(progress.projected, progress.result.net_rebate)
		with count_queries() as few:
			dealer_rebates(row, as_of=as_of)
		for offset in (20, 30, 40):
			make_invoice(dealer.customer, [(PUMP, 1, 10)], day(offset))
		with count_queries() as more:
			dealer_rebates(row, as_of=as_of)
		self.assertEqual(len(more), len(few))


def write_ledger(dealer, company: str, rows) -> list[str]:
	"""Rebate account entries through the app's own writer: ``rows`` of (lot, expiry, entry type,
	amount, voucher type, voucher no); returns the lots' names."""
	from dealer_relations.engine.money import dec
	from dealer_relations.engine.rebate_account import Entry, Lot
	from dealer_relations.rebate_account import write_entries

	lots = {lot: Lot(lot, "DR Portal Policy", getdate(expiry), Decimal(0)) for lot, expiry, *_rest in rows}
	for lot, _expiry, entry_type, amount, voucher_type, voucher_no in rows:
		order = voucher_no if voucher_type == "Sales Order" else None
		write_entries(
			[Entry(lot, entry_type, dec(amount), order)], lots, dealer, company, voucher_type, voucher_no
		)
	return list(lots)


PLAN_REP = "dr-portal-plan-rep@example.com"
PLAN_USER, PLAIN_USER = "dr-pu-plans@example.com", "dr-pu-plain@example.com"


class TestPortalHomeRebateAccountAndLanding(FrappeTestCase):
	"""The home page's visits planned, the rebates page's rebate account, the landing page after
	login and every page's query count, as the dealer's portal user."""

	@classmethod
	def setUpClass(cls):
		from dealer_relations.tests.utils import backdate_dealer

		super().setUpClass()
		make_user(PLAN_REP, ["Dealer Sales Rep"])
		cls.dealer = make_credit_dealer(customer=make_customer("DR Portal Plans Co"), sales_rep=PLAN_REP)
		backdate_dealer(cls.dealer.name, 90)
		invite_portal_user(cls.dealer.name, PLAN_USER)
		make_user(PLAIN_USER)  # a website user of no dealer

	def tearDown(self):
		frappe.set_user("Administrator")

	@staticmethod
	def other_dealer(name: str):
		"""A dealer of its own for a test that adds history (the class's records stay until its end)."""
		from dealer_relations.tests.utils import backdate_dealer

		dealer = make_credit_dealer(customer=make_customer(name), sales_rep=PLAN_REP)
		backdate_dealer(dealer.name, 90)
		return frappe.get_doc("Dealer", dealer.name)

	def visit(self, days_ago: int, next_in: int | None, purpose: str | None = None, dealer=None, **values):
		from frappe.utils import add_to_date, now_datetime

		from dealer_relations.tests.utils import make_visit

		return make_visit(
			(dealer or self.dealer).name,
			add_to_date(now_datetime(), days=-days_ago),
			sales_rep=PLAN_REP,
			next_visit_date=add_days(today(), next_in) if next_in is not None else None,
			next_visit_purpose=purpose,
			**values,
		)

	def test_visits_planned_ahead_one_per_date_soonest_first(self):
		dealer = self.other_dealer("DR Portal Plans Visits Co")
		self.visit(30, -2, "a plan whose day has passed", dealer)
		self.visit(20, 10, "training on the new pumps", dealer, outcome="internal: dealer is weak")
		self.visit(10, 10, "quarterly review", dealer)  # a later plan for the same day
		self.visit(5, 3, dealer=dealer)
		plans = dealer_standing(frappe._dict(dealer.as_dict())).planned_visits
		self.assertEqual(
			[(plan.date, plan.purpose) for plan in plans],
			[(getdate(add_days(today(), 3)), None), (getdate(add_days(today(), 10)), "quarterly review")],
		)
		self.assertEqual({key for plan in plans for key in plan}, {"date", "purpose"})
		# five dates at most, soonest first
		for days in range(11, 16):
			self.visit(1, days, f"plan in {days} days", dealer)
		plans = dealer_standing(frappe._dict(dealer.as_dict())).planned_visits
		self.assertEqual(
			[plan.date for plan in plans], [getdate(add_days(today(), days)) for days in (3, 10, 11, 12, 13)]
		)

	def test_purpose_without_a_date_is_not_kept(self):
		visit = self.visit(3, None, "a purpose without a plan")
		self.assertIsNone(frappe.db.get_value("Dealer Visit Log", visit.name, "next_visit_purpose"))

	def test_rebate_account_of_the_dealer_without_internal_vouchers(self):
		from dealer_relations.portal import dealer_rebate_account
		from dealer_relations.rebate_account import get_dealer_balance

		dealer = self.other_dealer("DR Portal Plans Account Co")
		soon, later = add_days(today(), 30), add_days(today(), 365)
		lots = write_ledger(
			dealer.name,
			dealer.company,
			[
				("DR-PORTAL-LOT-1", soon, "Earned", 1000, "Rebate Settlement", "DR-PORTAL-LOT-1"),
				("DR-PORTAL-LOT-2", later, "Earned", 500, "Rebate Settlement", "DR-PORTAL-LOT-2"),
				("DR-PORTAL-LOT-1", soon, "Reserved", -200, "Sales Order", "DR-PORTAL-SO-1"),
				("DR-PORTAL-LOT-1", soon, "Used on Invoice", -100, "Sales Invoice", "DR-PORTAL-SI-1"),
			],
		)
		account = dealer_rebate_account(frappe._dict(dealer.as_dict()))
		# balance: what was earned less what was used; available: less what orders hold
		self.assertEqual(account.balance, Decimal(1400))
		self.assertEqual(account.available, Decimal(1200))
		self.assertEqual(account.expiring_90_days, Decimal(700))  # lot 1: 1000 - 100 - 200 held
		# the Dealer form's figures, read for whoever may read the dealer
		desk = get_dealer_balance(dealer.name)
		self.assertEqual(
			(desk["balance"], desk["available"], desk["expiring_90_days"]),
			(float(account.balance), float(account.available), float(account.expiring_90_days)),
		)
		self.assertEqual(len(account.movements), 4)
		self.assertEqual(
			{(row.entry_type, row.document, row.route) for row in account.movements},
			{
				("Earned", None, None),
				("Reserved", "DR-PORTAL-SO-1", "/orders/DR-PORTAL-SO-1"),
				("Used on Invoice", "DR-PORTAL-SI-1", "/invoices/DR-PORTAL-SI-1"),
			},
		)
		shown = {key for row in account.movements for key in row}
		self.assertFalse(shown & {"voucher_type", "voucher_no", "rebate_settlement", "journal_entry"})
		self.assertNotIn(lots[0], str(account.movements))

	def test_dealer_user_lands_on_the_dealer_pages(self):
		from frappe.website.utils import get_home_page

		from dealer_relations.portal import get_website_user_home_page

		self.assertEqual(get_website_user_home_page(PLAN_USER), "dealer")
		self.assertIsNone(get_website_user_home_page(PLAIN_USER))
		self.assertIsNone(get_website_user_home_page("Guest"))
		for user, home in ((PLAN_USER, "dealer"), (PLAIN_USER, "me")):
			frappe.cache.hdel("home_page", user)
			frappe.set_user(user)
			self.assertEqual(get_home_page(), home, user)

	def test_every_page_in_constant_queries(self):
		"""Home, statement, rebates and incidents render in as many queries with a longer history."""
		from dealer_relations.www.dealer import incidents, index, rebates, statement

		pages = {"home": index, "statement": statement, "rebates": rebates, "incidents": incidents}
		month = month_of(getdate(add_months(today(), -1)))

		def count() -> dict[str, int]:
			frappe.set_user(PLAN_USER)
			# the request's arguments: frappe.local's (frappe.form_dict is a proxy to it; assigning
			# the module attribute would replace the proxy for every later request of the process)
			request_args = frappe.local.form_dict
			try:
				frappe.local.form_dict = frappe._dict(month=month.key)
				counts = {}
				for name, page in pages.items():
					page.get_context(frappe._dict())  # warm the caches a first call fills
					with count_queries() as queries:
						page.get_context(frappe._dict())
					counts[name] = len(queries)
				return counts
			finally:
				frappe.local.form_dict = request_args
				frappe.set_user("Administrator")

		before = count()
		self.assertTrue(all(before.values()), before)
		# home: the user's dealers, then one statement; incidents: one statement with the dealers
		self.assertEqual((before["home"], before["incidents"]), (2, 1), before)
		for days in (3, 4, 5):
			self.visit(days * 10, days, f"plan {days}")
			make_sales_invoice(self.dealer.customer, 10, posting_date=add_days(month.start, days))
			make_sales_order(self.dealer.customer, 10)
			write_ledger(
				self.dealer.name,
				self.dealer.company,
				[(f"DR-PORTAL-Q-{days}", add_days(today(), 60), "Earned", 10, "Rebate Settlement", "x")],
			)
		self.assertEqual(count(), before)
