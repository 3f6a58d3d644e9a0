from frappe import _


def get_data():
	return {
		"fieldname": "tier",
		"transactions": [{"label": _("Dealers"), "items": ["Dealer"]}],
	}
