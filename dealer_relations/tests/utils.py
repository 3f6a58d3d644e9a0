"""Factories for the Frappe integration tests (keyword arguments, as ERPNext's own tests do)."""

from __future__ import annotations

import frappe
from frappe.tests.test_api import FrappeAPITestCase
from frappe.tests.utils import FrappeTestCase  # v16 renames this IntegrationTestCase

from dealer_relations.utils import ensure_user

__all__ = [
	"FrappeTestCase",
	"RepAPITestCase",
	"backdate_dealer",
	"get_company",
	"make_customer",
	"make_dealer",
	"make_item",
	"make_territory",
	"make_user",
	"make_visit",
]

# ERPNext/Frappe masters our doctypes link to: the tests build exactly what they need instead of
# letting the test runner load ERPNext's whole test-record graph.
EXTERNAL_TEST_IGNORE = [
	"Address",
	"Company",
	"Contact",
	"Customer",
	"Payment Terms Template",
	"Territory",
	"ToDo",
	"User",
]


def get_company() -> str:
	company = frappe.db.get_single_value("Global Defaults", "default_company") or frappe.db.get_value(
		"Company", {}, "name"
	)
	if not company:
		raise RuntimeError("The test site has no Company; before_tests should have created one")
	return company


def make_territory(name: str, parent: str | None = None, is_group: int = 0) -> str:
	if not frappe.db.exists("Territory", name):
		root = parent or frappe.db.get_value("Territory", {"parent_territory": ("in", ("", None))}, "name")
		frappe.get_doc(
			{"doctype": "Territory", "territory_name": name, "parent_territory": root, "is_group": is_group}
		).insert(ignore_permissions=True)
	return name


def make_item(item_code: str, **values) -> str:
	"""An item in the first leaf item group, counted in Nos; a non-stock item unless ``values``
	say otherwise."""
	if not frappe.db.exists("Item", item_code):
		frappe.get_doc(
			{
				"doctype": "Item",
				"item_code": item_code,
				"item_name": item_code,
				"item_group": frappe.db.get_value("Item Group", {"is_group": 0}, "name"),
				"stock_uom": "Nos",
				"is_stock_item": 0,
				**values,
			}
		).insert(ignore_permissions=True)
	return item_code


def make_customer(name: str, **kwargs) -> str:
	if not frappe.db.exists("Customer", name):
		frappe.get_doc(
			{"doctype": "Customer", "customer_name": name, "customer_type": "Company", **kwargs}
		).insert(ignore_permissions=True)
	return name


def make_user(email: str, roles: list[str] | tuple[str, ...] = (), enabled: int = 1) -> str:
	return ensure_user(email, email.split("@")[0], roles, enabled=enabled)


def make_dealer(customer: str | None = None, do_not_save: bool = False, **kwargs):
	customer = customer or make_customer(frappe.generate_hash(length=8))
	territories = kwargs.pop("territories", [])
	dealer = frappe.get_doc(
		{
			"doctype": "Dealer",
			"customer": customer,
			"company": kwargs.pop("company", None) or get_company(),
			"tier": kwargs.pop("tier", "B"),
			"territories": [{"territory": t} for t in territories],
			**kwargs,
		}
	)
	if not do_not_save:
		dealer.insert()
	return dealer


def backdate_dealer(dealer: str, days: int) -> None:
	"""Pretend the dealer was created ``days`` ago, so visits in the past are valid."""
	from frappe.utils import add_days, now_datetime

	frappe.db.set_value("Dealer", dealer, "creation", add_days(now_datetime(), -days), update_modified=False)


def make_visit(dealer: str, visit_date=None, do_not_save: bool = False, **kwargs):
	from frappe.utils import now_datetime

	visit = frappe.get_doc(
		{
			"doctype": "Dealer Visit Log",
			"dealer": dealer,
			"visit_date": visit_date or now_datetime(),
			"visit_type": kwargs.pop("visit_type", "Routine"),
			**kwargs,
		}
	)
	if not do_not_save:
		visit.insert()
	return visit


def run_in_own_connections(targets: list, prepare, act, timeout: float = 120) -> dict:
	"""For each target at the same moment, in its own thread and database connection (as two
	requests would be): ``prepared = prepare(target)``, then, once every thread is ready,
	``act(prepared)`` and commit. Returns {target: None, or the exception that rolled it back}.
	What they must see has to be committed first."""
	import threading

	site, sites_path = frappe.local.site, frappe.local.sites_path
	barrier = threading.Barrier(len(targets), timeout=30)
	outcome = {}

	def run(target):
		frappe.init(site=site, sites_path=sites_path)
		frappe.connect()
		frappe.flags.in_test = True
		frappe.set_user("Administrator")
		try:
			prepared = prepare(target)
			barrier.wait()
			act(prepared)
			frappe.db.commit()  # nosemgrep: each connection is its own request
			outcome[target] = None
		except Exception as error:
			frappe.db.rollback()
			outcome[target] = error
		finally:
			frappe.db.close()  # release the connection (and any metadata locks) now, not at GC
			frappe.destroy()

	threads = [threading.Thread(target=run, args=(target,)) for target in targets]
	for thread in threads:
		thread.start()
	for thread in threads:
		thread.join(timeout)
	return outcome


class RepAPITestCase(FrappeAPITestCase):
	"""A rep calling the REST API with an API key, one dealer of theirs (``mine``) and one of
	another rep (``theirs``). Requests run in another thread with their own database connection,
	so fixtures are committed here and removed again in tearDownClass."""

	rep, other_rep = "dr-api-rep1@example.com", "dr-api-rep2@example.com"
	customers = ("DR API Mine Co", "DR API Theirs Co")

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		for user in (cls.rep, cls.other_rep):
			make_user(user, ["Dealer Sales Rep", "Sales User"])
		cls.mine = make_dealer(make_customer(cls.customers[0]), sales_rep=cls.rep).name
		cls.theirs = make_dealer(make_customer(cls.customers[1]), sales_rep=cls.other_rep).name
		cls.make_fixtures()
		user = frappe.get_doc("User", cls.rep)
		user.api_key, user.api_secret = frappe.generate_hash(length=15), frappe.generate_hash(length=15)
		cls.auth = {"Authorization": f"token {user.api_key}:{user.api_secret}"}
		user.save(ignore_permissions=True)
		frappe.db.commit()

	@classmethod
	def make_fixtures(cls) -> None:
		"""More records a subclass needs, committed with the dealers."""

	@classmethod
	def tearDownClass(cls):
		frappe.set_user("Administrator")
		for name in (cls.mine, cls.theirs):
			frappe.delete_doc("Dealer", name, force=True, ignore_permissions=True)
			frappe.delete_doc("Customer", name, force=True, ignore_permissions=True)
		for user in (cls.rep, cls.other_rep):
			frappe.delete_doc("User", user, force=True, ignore_permissions=True)
		frappe.db.commit()
		super().tearDownClass()

	def headers(self) -> dict:
		return self.auth
