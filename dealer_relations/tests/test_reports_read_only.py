"""Every Script Report of the app only reads: no statement it runs (its own or its helpers')
writes, commits or changes the schema, so Frappe's ``read_from_replica`` can send it to a MariaDB
replica. The reports come from the Report doctype, so a report added later is covered too."""

import re

import frappe
from frappe.modules import scrub

from dealer_relations.benchmarks.reports import (
	APP,
	SCOPE_FILTERS,
	app_script_reports,
	filter_values,
	recorded_queries,
	report_filters,
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
from dealer_relations.tests.utils import FrappeTestCase

test_ignore = REBATE_TEST_IGNORE

WRITES = re.compile(
	r"^\s*(insert|update|delete|replace|create|drop|alter|truncate|rename|commit|rollback|"
	r"savepoint|release|start\s+transaction|begin|lock\s+tables)\b",
	re.IGNORECASE,
)


class TestReportsReadOnly(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_items()
		setup_rebate_accounts()
		dealer = make_rebate_dealer()
		make_invoice(dealer.customer, [(PUMP, 3, 10_000)], day(10))
		run_year_end(make_policy(dealers=[dealer.name]).name)

	def test_no_report_writes(self):
		reports = app_script_reports()
		self.assertGreaterEqual(len(reports), 8)
		values = filter_values()
		for name, module in reports:
			known, required = report_filters(name, module)
			wanted = set(SCOPE_FILTERS) | required | ({"rebate_policy", "dealer"} & known)
			filters = frappe._dict({key: value for key, value in values.items() if value and key in wanted})
			execute = frappe.get_attr(f"{APP}.{scrub(module)}.report.{scrub(name)}.{scrub(name)}.execute")
			with self.subTest(report=name):
				writes_before = frappe.db.transaction_writes
				with recorded_queries() as queries:
					execute(filters)
				self.assertTrue(queries, f"{name} ran no query with filters {dict(filters)}")
				written = [sql for _seconds, sql in queries if WRITES.match(sql)]
				self.assertEqual(written, [], f"{name} writes")
				self.assertEqual(frappe.db.transaction_writes, writes_before, f"{name} writes")
