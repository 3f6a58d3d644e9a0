// Copyright (c) 2026, Dealer Relations contributors
// For license information, please see license.txt

frappe.query_reports["Dealer Target Completion"] = {
	filters: [
		{
			fieldname: "rebate_policy",
			label: __("Rebate Policy"),
			fieldtype: "Link",
			options: "Rebate Policy",
			get_query: () => ({ filters: { docstatus: 1, basis: "Target Completion" } }),
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
	],
	formatter(value, row, column, data, default_formatter) {
		value = default_formatter(value, row, column, data);
		if (column.fieldname === "completion" && data && data.completion != null) {
			const reached = data.rate > 0;
			value = `<span class="${reached ? "text-success" : "text-warning"}">${value}</span>`;
		}
		return value;
	},
};
