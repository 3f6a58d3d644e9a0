// Copyright (c) 2026, Dealer Relations contributors
// For license information, please see license.txt

frappe.query_reports["Rebate Liability"] = {
	filters: [
		{
			fieldname: "rebate_policy",
			label: __("Rebate Policy"),
			fieldtype: "Link",
			options: "Rebate Policy",
			get_query: () => ({ filters: { docstatus: 1 } }),
		},
		{
			fieldname: "as_of",
			label: __("As Of"),
			fieldtype: "Date",
			default: frappe.datetime.get_today(),
		},
		{
			fieldname: "sales_rep",
			label: __("Sales Rep"),
			fieldtype: "Link",
			options: "User",
		},
		{
			fieldname: "tier",
			label: __("Tier"),
			fieldtype: "Link",
			options: "Dealer Tier",
		},
	],
	formatter(value, row, column, data, default_formatter) {
		value = default_formatter(value, row, column, data);
		if (column.fieldname === "extra_rebate" && data && data.extra_rebate > 0) {
			value = `<span class="text-success">${value}</span>`;
		}
		return value;
	},
};
