"""The bulk demo data (issue: scale) writes rows straight into ERPNext's tables, so it must leave
them as ERPNext's own postings would: for every bulk customer the invoices' outstanding amounts
equal the Payment Ledger against them, the whole Payment Ledger equals the General Ledger, ERPNext's own outstanding query reads the same,
the requested number of invoice lines is there, and clear_bulk_data() takes it all away."""

import frappe
from erpnext.selling.doctype.customer.customer import get_customer_outstanding

from dealer_relations.demo.bulk import BULK_MARK, PREFIX, clear_bulk_data, make_bulk_data
from dealer_relations.tests.utils import FrappeTestCase, get_company


class TestBulkData(FrappeTestCase):
	def test_bulk_rows_read_like_erpnext_postings_and_clear_away(self):
		company = get_company()
		frappe.db.commit()  # nosemgrep: the loader commits chunk by chunk
		try:
			summary = make_bulk_data(dealers=12, lines=600, company=company, months=6, seed=11)
			customers = frappe.get_all("Customer", filters={"customer_details": BULK_MARK}, pluck="name")
			self.assertEqual(len(customers), 12)
			values = {"customers": customers, "company": company}
			lines = frappe.db.sql(
				"""select count(*) from `tabSales Invoice Item` line
				join `tabSales Invoice` invoice on invoice.name = line.parent
				where invoice.docstatus = 1 and invoice.is_return = 0 and invoice.customer in %(customers)s""",
				values,
			)[0][0]
			self.assertAlmostEqual(lines, 600, delta=60, msg=summary)
			self.assertTrue(
				frappe.db.exists("Sales Invoice", {"customer": ("in", customers), "is_return": 1}),
				"bulk data has returns",
			)

			def per_customer(sql):
				return {party: round(float(amount or 0), 2) for party, amount in frappe.db.sql(sql, values)}

			invoices = per_customer(
				"""select customer, sum(outstanding_amount) from `tabSales Invoice`
				where docstatus = 1 and company = %(company)s and customer in %(customers)s group by customer"""
			)
			against_invoices = per_customer(
				"""select party, sum(amount) from `tabPayment Ledger Entry`
				where delinked = 0 and party_type = 'Customer' and company = %(company)s
				and against_voucher_type = 'Sales Invoice' and party in %(customers)s group by party"""
			)
			# all of it: diversion fines (Journal Entries made through the app) are owed too
			ledger = per_customer(
				"""select party, sum(amount) from `tabPayment Ledger Entry`
				where delinked = 0 and party_type = 'Customer' and company = %(company)s
				and party in %(customers)s group by party"""
			)
			general = per_customer(
				"""select party, sum(debit - credit) from `tabGL Entry`
				where is_cancelled = 0 and party_type = 'Customer' and company = %(company)s
				and party in %(customers)s group by party"""
			)
			self.assertTrue(any(invoices.values()), "some bulk invoices are still open")
			for customer in customers:
				with self.subTest(customer=customer):
					self.assertAlmostEqual(
						invoices.get(customer, 0), against_invoices.get(customer, 0), places=2
					)
					self.assertAlmostEqual(ledger.get(customer, 0), general.get(customer, 0), places=2)
					self.assertAlmostEqual(
						get_customer_outstanding(customer, company, ignore_outstanding_sales_order=True),
						general.get(customer, 0),
						places=2,
					)
			debit, credit = frappe.db.sql(
				"select sum(debit), sum(credit) from `tabGL Entry` where voucher_no like %s and is_cancelled = 0",
				f"{PREFIX}-%",
			)[0]
			self.assertAlmostEqual(float(debit), float(credit), places=2)
		finally:
			clear_bulk_data()
			frappe.db.commit()  # nosemgrep: undo what the loader committed
		self.assertFalse(frappe.db.exists("Customer", {"customer_details": BULK_MARK}))
		self.assertFalse(frappe.db.exists("Sales Invoice", {"name": ("like", f"{PREFIX}-%")}))
		self.assertFalse(frappe.db.exists("GL Entry", {"voucher_no": ("like", f"{PREFIX}-%")}))
