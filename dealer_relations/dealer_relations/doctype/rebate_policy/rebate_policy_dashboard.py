from frappe import _


def get_data():
	return {
		"fieldname": "rebate_policy",
		"transactions": [{"label": _("Settlements"), "items": ["Rebate Settlement"]}],
	}
