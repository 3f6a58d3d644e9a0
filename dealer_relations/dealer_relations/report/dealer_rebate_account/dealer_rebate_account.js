// Copyright (c) 2026, Dealer Relations contributors
// For license information, please see license.txt

frappe.query_reports["Dealer Rebate Account"] = {
	filters: [
		{
			fieldname: "company",
			label: __("Company"),
			fieldtype: "Link",
			options: "Company",
			reqd: 1,
			default: frappe.defaults.get_user_default("Company"),
		},
		{
			fieldname: "dealer",
			label: __("Dealer"),
			fieldtype: "Link",
			options: "Dealer",
			// not reqd: Frappe refreshes a report as soon as its default filters are set, and a
			// required filter still empty then throws "Filter missing" and stops the run that the
			// Dealer form's route options would start; the server shows nothing without a dealer.
		},
		{
			fieldname: "as_of_date",
			label: __("As of Date"),
			fieldtype: "Date",
			reqd: 1,
			default: frappe.datetime.get_today(),
		},
	],

	onload(report) {
		// Dealer links show the dealer's name (show_title_field_in_link): a dealer set from the route
		// (the Dealer form's View button, a shared URL) fills the input only once its title is
		// fetched, and the report's first run, which comes right after this, reads the input and so
		// ran without the dealer (no rows until refreshed). Wait for the title before that run.
		const dealer = report.get_filter("dealer");
		if (dealer && dealer.value && dealer.set_link_title) {
			return dealer.set_link_title(dealer.value);
		}
	},
};
