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
				"no_copy": 1,
				"search_index": 1,
				"in_standard_filter": 1,
				"description": "Maintained by Dealer Relations: the dealer record of this customer.",
				"translatable": 0,
			},
		],
	}
