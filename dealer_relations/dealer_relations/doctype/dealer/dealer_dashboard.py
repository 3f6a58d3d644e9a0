from frappe import _


def get_data():
	# A Dealer is named after its Customer, so ERPNext documents match on their customer field.
	return {
		"fieldname": "customer",
		"non_standard_fieldnames": {
			"Quotation": "party_name",
			"Payment Entry": "party",
			"Dealer Visit Log": "dealer",
			"Dealer Credit Rating": "dealer",
			"Dealer Credit Override": "dealer",
			"Rebate Settlement": "dealer",
			"Diversion Incident": "dealer",
		},
		"transactions": [
			{"label": _("Relationship"), "items": ["Dealer Visit Log"]},
			{"label": _("Selling"), "items": ["Quotation", "Sales Order"]},
			{"label": _("Fulfilment"), "items": ["Delivery Note", "Sales Invoice"]},
			{"label": _("Payments"), "items": ["Payment Entry"]},
			{"label": _("Credit"), "items": ["Dealer Credit Rating", "Dealer Credit Override"]},
			{"label": _("Rebates"), "items": ["Rebate Settlement"]},
			{"label": _("Diversion"), "items": ["Diversion Incident"]},
		],
	}
