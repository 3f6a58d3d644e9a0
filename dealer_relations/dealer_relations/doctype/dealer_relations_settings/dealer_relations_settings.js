// Copyright (c) 2026, Dealer Relations contributors
// For license information, please see license.txt

frappe.ui.form.on("Dealer Relations Settings", {
	setup(frm) {
		// Rebates: each company row picks its own ledger accounts and a non-stock rebate item.
		frm.set_query("rebate_expense_account", "company_settings", (doc, cdt, cdn) => ({
			filters: {
				company: locals[cdt][cdn].company,
				is_group: 0,
				root_type: "Expense",
				disabled: 0,
			},
		}));
		frm.set_query("rebate_cost_center", "company_settings", (doc, cdt, cdn) => ({
			filters: { company: locals[cdt][cdn].company, is_group: 0 },
		}));
		frm.set_query("rebate_item", "company_settings", () => ({
			filters: { is_stock_item: 0, disabled: 0 },
		}));
		// Diversion: fines are credited to an income ledger of the row's company.
		frm.set_query("diversion_penalty_account", "company_settings", (doc, cdt, cdn) => ({
			filters: {
				company: locals[cdt][cdn].company,
				is_group: 0,
				root_type: "Income",
				disabled: 0,
			},
		}));
	},

	refresh(frm) {
		// The latest credit re-rating run: done or not, and a button to finish one a stopped
		// worker left unfinished.
		frappe
			.call("dealer_relations.runs.get_latest_run", { run_type: "Credit Rating" })
			.then(({ message: run }) =>
				dealer_relations.show_background_run(frm, run, {
					label: __("Resume Credit Rating"),
					intro: run && __("Credit rating: {0}", [run.summary]),
				})
			);
	},
});
