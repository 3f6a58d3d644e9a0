// Copyright (c) 2026, Dealer Relations contributors
// For license information, please see license.txt

frappe.query_reports["Dealer Visit Plan"] = {
	filters: [
		{
			fieldname: "company",
			label: __("Company"),
			fieldtype: "Link",
			options: "Company",
			default: frappe.defaults.get_user_default("Company"),
		},
		{
			fieldname: "sales_rep",
			label: __("Sales Rep"),
			fieldtype: "Link",
			options: "User",
			default: frappe.user.has_role("Dealer Manager") ? "" : frappe.session.user,
		},
		{ fieldname: "tier", label: __("Tier"), fieldtype: "Link", options: "Dealer Tier" },
		{ fieldname: "territory", label: __("Territory"), fieldtype: "Link", options: "Territory" },
		{ fieldname: "horizon_days", label: __("Horizon (Days)"), fieldtype: "Int", default: 14 },
		{ fieldname: "show_later", label: __("Show Later Visits"), fieldtype: "Check" },
	],
	formatter(value, row, column, data, default_formatter) {
		value = default_formatter(value, row, column, data);
		if (column.fieldname === "status" && data) {
			value = __(data.status);
		}
		if (column.fieldname === "plan" && data) {
			const color = { Overdue: "red", "Due Soon": "orange", Later: "blue" }[data.plan];
			value = `<span class="indicator-pill ${color}">${__(data.plan)}</span>`;
		}
		return value;
	},
};
