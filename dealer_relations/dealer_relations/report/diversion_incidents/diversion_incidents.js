// Copyright (c) 2026, Dealer Relations contributors
// For license information, please see license.txt

frappe.query_reports["Diversion Incidents"] = {
	filters: [
		{
			fieldname: "company",
			label: __("Company"),
			fieldtype: "Link",
			options: "Company",
			default: frappe.defaults.get_user_default("Company"),
		},
		{
			fieldname: "from_date",
			label: __("From Date"),
			fieldtype: "Date",
			default: frappe.datetime.add_months(frappe.datetime.get_today(), -12),
		},
		{
			fieldname: "to_date",
			label: __("To Date"),
			fieldtype: "Date",
			default: frappe.datetime.get_today(),
		},
		{
			fieldname: "dealer",
			label: __("Dealer"),
			fieldtype: "Link",
			options: "Dealer",
		},
		{
			fieldname: "territory",
			label: __("Region"),
			fieldtype: "Link",
			options: "Territory",
			description: __("Incidents found in this territory or below it."),
		},
		{
			fieldname: "workflow_state",
			label: __("Status"),
			fieldtype: "Link",
			options: "Workflow State",
		},
		{
			fieldname: "repeat_offenders_only",
			label: __("Repeat Offenders Only"),
			fieldtype: "Check",
		},
	],
	formatter(value, row, column, data, default_formatter) {
		value = default_formatter(value, row, column, data);
		if (column.fieldname === "repeat_offender" && data && data.repeat_offender) {
			value = `<span class="indicator-pill red">${__("Yes")}</span>`;
		}
		return value;
	},
};
