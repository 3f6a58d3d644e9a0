"""Custom fields the app adds to ERPNext doctypes, declared as data (created on install/migrate)."""

from __future__ import annotations


def get_custom_fields() -> dict[str, list[dict]]:
	return {
		"Customer": [
			{
				"fieldname": "dealer",
				"label": "Dealer",
				"fieldtype": "Link",
				"options": "Dealer",
				"insert_after": "customer_group",
				"read_only": 1,
				# ERPNext's level 1 on Customer: Sales User reads it, only Sales Master Manager writes
				# it (the app itself writes it with frappe.db.set_value); a Sales User who could clear
				# it would switch every dealer check off for the customer.
				"permlevel": 1,
				"no_copy": 1,
				"search_index": 1,
				"in_standard_filter": 1,
				"description": "Maintained by Dealer Relations: the dealer record of this customer.",
				"translatable": 0,
			},
		],
		"Address": [
			{
				"fieldname": "dr_latitude",
				"label": "Latitude",
				"fieldtype": "Float",
				"precision": "6",
				"insert_after": "pincode",
				"description": "Used by Dealer Relations to flag visit check-ins away from the dealer.",
			},
			{
				"fieldname": "dr_longitude",
				"label": "Longitude",
				"fieldtype": "Float",
				"precision": "6",
				"insert_after": "dr_latitude",
			},
			{
				"fieldname": "territory",
				"label": "Territory",
				"fieldtype": "Link",
				"options": "Territory",
				"insert_after": "country",
				"search_index": 1,
				"in_standard_filter": 1,
				"description": "Where goods shipped to this address go; checked against the dealer's authorised territories. Left empty, it is derived on save from the city/state mapping in Dealer Relations Settings.",
			},
		],
		"ToDo": [
			{
				"fieldname": "dealer_followup",
				"label": "Dealer Follow-up",
				"fieldtype": "Select",
				"options": "\nOverdue Visit\nVisit Action",
				"insert_after": "reference_name",
				"read_only": 1,
				"no_copy": 1,
				"search_index": 1,
				"description": "Set by Dealer Relations on the ToDos it creates.",
			},
		],
		"Sales Order": [*credit_check_fields(), *rebate_deduction_fields(), *free_goods_fields()],
		"Sales Order Item": free_goods_item_fields(),
		"Sales Invoice": [*credit_check_fields(), *rebate_deduction_fields(), *posted_for_fields("remarks")],
		"Delivery Note": credit_check_fields(),
		"Journal Entry": posted_for_fields("user_remark"),
	}


def posted_for_fields(insert_after: str) -> list[dict]:
	"""The record a posting was made for (a rebate settlement, a diversion incident): written by
	the app when it posts, and checked before it reverses a posting (dealer_relations.postings)."""
	return [
		{
			"fieldname": "dr_posted_for_doctype",
			"label": "Posted for Document Type",
			# Select, not a Link to DocType: only System Managers may read DocType
			"fieldtype": "Select",
			"options": "\nRebate Settlement\nDiversion Incident\nRebate Accrual\nDelivery Note\nRebate Account Adjustment\nSales Invoice",
			"insert_after": insert_after,
			"read_only": 1,
			"no_copy": 1,
			"print_hide": 1,
			"depends_on": "dr_posted_for",
			"translatable": 0,
		},
		{
			"fieldname": "dr_posted_for",
			"label": "Posted for",
			"fieldtype": "Dynamic Link",
			"options": "dr_posted_for_doctype",
			"insert_after": "dr_posted_for_doctype",
			"read_only": 1,
			"no_copy": 1,
			"print_hide": 1,
			"search_index": 1,
			"depends_on": "dr_posted_for",
			"description": "Set by Dealer Relations on what it posts for a rebate settlement, a diversion incident or a free-goods delivery.",
		},
	]


def credit_check_fields() -> list[dict]:
	"""The dealer of the document's customer, and the Credit Controller's reason to let it exceed
	the dealer's credit (the same pair on orders, invoices and delivery notes). The reason may be
	given after submit, for a change that raises the document's amount (only a Credit Controller
	writes it, checked on every save)."""
	return [
		{
			"fieldname": "dealer",
			"label": "Dealer",
			"fieldtype": "Link",
			"options": "Dealer",
			"insert_after": "customer_name",
			"fetch_from": "customer.dealer",
			"read_only": 1,
			"translatable": 0,
		},
		{
			"fieldname": "credit_override_reason",
			"label": "Credit Override Reason",
			"fieldtype": "Small Text",
			"insert_after": "dealer",
			"depends_on": "dealer",
			"no_copy": 1,
			"allow_on_submit": 1,
			"description": "Credit Controller only: why this dealer document may go beyond the dealer's credit limit or grade policy. Recorded as a credit override.",
		},
	]


def rebate_deduction_fields() -> list[dict]:
	"""What the document pays from its dealer's rebate account (返利池), applied as its additional
	discount on Net Total so the VAT base falls. Never copied: an invoice made from an order takes
	its share of the order's reservation, not the order's whole deduction."""
	return [
		{
			"fieldname": "rebate_deduction",
			"label": "Rebate Deduction",
			"fieldtype": "Currency",
			"options": "currency",
			"insert_after": "discount_amount",
			"depends_on": "dealer",
			"no_copy": 1,
			"description": "Paid from the dealer's rebate account, within each policy's cap on this document's items; applied as the Additional Discount on Net Total. Use Apply Rebate Balance for the most allowed.",
		},
	]


def free_goods_fields() -> list[dict]:
	"""Free goods (货补): the flag only the app sets (Make Free Goods Order; the server refuses a
	client that sets or clears it: a permlevel would hide it from the reps who sell the order, and
	Sales Manager writes ERPNext's level 1) and the goods' value the server computes from the
	free-goods price list on every save (dealer_relations.free_goods)."""
	return [
		{
			"fieldname": "rebate_free_goods",
			"label": "Free Goods (Rebate)",
			"fieldtype": "Check",
			"insert_after": "rebate_deduction",
			"read_only": 1,
			"no_copy": 1,
			"depends_on": "rebate_free_goods",
			"description": "Set by Dealer Relations (Make Free Goods Order on the Dealer): the goods are paid from the dealer's rebate balance at the free-goods price list.",
		},
		{
			"fieldname": "rebate_goods_value",
			"label": "Free Goods Value",
			"fieldtype": "Currency",
			"options": "currency",
			"insert_after": "rebate_free_goods",
			"read_only": 1,
			"no_copy": 1,
			"depends_on": "rebate_free_goods",
			"description": "What the goods draw from the rebate balance, at the free-goods price list (computed by Dealer Relations on save).",
		},
	]


def free_goods_item_fields() -> list[dict]:
	"""A free-goods line's value, so each delivery draws its share (computed on save)."""
	return [
		{
			"fieldname": "rebate_goods_value",
			"label": "Free Goods Value",
			"fieldtype": "Currency",
			"options": "currency",
			"insert_after": "amount",
			"read_only": 1,
			"no_copy": 1,
			"depends_on": "eval:parent.rebate_free_goods",
			"in_list_view": 0,
		},
	]
