// Copyright (c) 2026, Dealer Relations contributors
// For license information, please see license.txt

frappe.ui.form.on("Rebate Policy", {
	setup(frm) {
		frm.set_query("dealer", "dealers", () => ({ filters: { company: frm.doc.company } }));
		frm.set_query("item_code", "items", () => ({ filters: { disabled: 0 } }));
	},

	onload() {
		// The year-end jobs publish progress to this policy's room (Frappe shows the bar); when a
		// run reaches 100 % the form reloads to show "Refresh Settlements" and the run's date.
		if (frappe._dr_policy_progress) return;
		frappe._dr_policy_progress = true;
		frappe.realtime.on("progress", (data) => {
			const frm = window.cur_frm;
			if (frm && frm.doctype === "Rebate Policy" && !frm.is_dirty() && data.percent >= 100) {
				setTimeout(() => frm.reload_doc(), 1000);
			}
		});
	},

	refresh(frm) {
		frm.trigger("add_target_buttons");
		frm.trigger("add_simulate_button");
		if (frm.doc.docstatus !== 1) return;
		if (frappe.model.can_create("Rebate Settlement")) {
			frm.add_custom_button(
				frm.doc.settlements_created_on ? __("Refresh Settlements") : __("Create Settlements"),
				() => frm.trigger("create_settlements")
			);
		}
		if (frappe.model.can_submit("Rebate Policy")) {
			frm.add_custom_button(__("Accrue Rebates"), () => frm.trigger("accrue_rebates"));
		}
		frm.add_custom_button(
			__("Accruals"),
			() => frappe.set_route("List", "Rebate Accrual", { rebate_policy: frm.doc.name }),
			__("View")
		);
		frm.add_custom_button(
			__("Settlements"),
			() => frappe.set_route("List", "Rebate Settlement", { rebate_policy: frm.doc.name }),
			__("View")
		);
		frm.add_custom_button(
			__("Rebate Liability"),
			() => frappe.set_route("query-report", "Rebate Liability", { rebate_policy: frm.doc.name }),
			__("View")
		);
		frm.trigger("show_settlement_run");
	},

	add_simulate_button(frm) {
		// Replay last year through this policy beside the current one (the server checks the
		// report's roles; reps do not see the button).
		const roles = ["Rebate Accountant", "Accounts Manager", "Dealer Manager", "System Manager"];
		if (frm.is_new() || frm.doc.docstatus === 2 || !frappe.user.has_role(roles)) return;
		frm.add_custom_button(__("Simulate"), () =>
			frappe
				.call("dealer_relations.simulation.get_simulation_defaults", { policy: frm.doc.name })
				.then(({ message }) =>
					frappe.set_route("query-report", "Rebate Policy Simulation", message)
				)
		);
	},

	show_settlement_run(frm) {
		// A run a stopped worker left unfinished says so (the date above is the last finished
		// run's), with a button that queues its lost jobs again.
		frappe
			.call("dealer_relations.runs.get_latest_run", {
				run_type: "Rebate Settlements",
				reference_doctype: frm.doctype,
				reference_name: frm.doc.name,
			})
			.then(({ message: run }) =>
				dealer_relations.show_background_run(frm, run, {
					label: __("Resume Settlement Run"),
					unfinished_only: true,
				})
			);
	},

	create_settlements(frm) {
		frappe.confirm(
			__(
				"Build a draft settlement for every dealer this policy covers? Drafts already there are refreshed; submitted settlements are left as they are."
			),
			() =>
				frappe
					.call("dealer_relations.rebates.create_settlements", { policy: frm.doc.name })
					.then((r) => {
						frappe.show_alert({
							message: r.message.resumed
								? __("Finishing the unfinished run: {0} job(s) queued again", [r.message.queued])
								: __("Creating settlements for {0} dealers in the background", [
										r.message.dealers,
								  ]),
							indicator: "blue",
						});
						frm.reload_doc();
					})
		);
	},

	accrue_rebates(frm) {
		// The latest month of the period that has ended: one Journal Entry for the change since the
		// last accrual; a month already accrued posts nothing.
		frappe
			.call({
				method: "dealer_relations.accruals.accrue_rebates",
				args: { policy: frm.doc.name },
				type: "POST",
				freeze: true,
			})
			.then(({ message: r }) => {
				let text;
				if (r.queued) text = __("Accruing the rebates in the background");
				else if (r.reason === "not_due") text = __("No month of this policy has ended yet: nothing to accrue");
				else if (r.reason === "already_accrued")
					text = __("{0} is already accrued: nothing posted", [r.month]);
				else if (r.journal_entry)
					text = __("{0} accrued: {1} posted in {2}", [
						r.month,
						format_currency(r.change, frm.doc.currency),
						r.journal_entry,
					]);
				else text = __("{0} accrued: no change since the last accrual", [r.month]);
				if (r.note) text += "<br>" + r.note;
				frappe.msgprint({ message: text, title: __("Accrue Rebates"), indicator: "blue" });
			});
	},

	add_target_buttons(frm) {
		// Targets of a draft Target Completion policy: the server checks the user may change them.
		const can_edit = frm.doc.docstatus === 0 && !frm.is_new() && frm.doc.basis === "Target Completion";
		if (!can_edit || !frappe.user.has_role(["Rebate Accountant", "Accounts Manager", "System Manager"]))
			return;
		frm.add_custom_button(
			__("Fill Targets from Last Year"),
			() =>
				frappe.confirm(
					__(
						"Set every covered dealer's target to last year's eligible volume plus {0}%? The targets already entered are replaced.",
						[frm.doc.target_growth_percent || 0]
					),
					() =>
						(frm.is_dirty() ? frm.save() : Promise.resolve())
							.then(() =>
								frappe.xcall("dealer_relations.rebate_targets.fill_targets_from_last_year", {
									policy: frm.doc.name,
								})
							)
							.then((r) => {
								frappe.show_alert({
									message: __("Targets set for {0} dealers; {1} had no volume last year", [
										r.dealers,
										r.without_volume,
									]),
									indicator: r.without_volume ? "orange" : "green",
								});
								frm.reload_doc();
							})
				),
			__("Targets")
		);
		frm.add_custom_button(
			__("Import Targets"),
			() =>
				new frappe.ui.FileUploader({
					doctype: frm.doctype,
					docname: frm.doc.name,
					restrictions: { allowed_file_types: [".csv", ".xlsx"] },
					on_success: (file) =>
						frappe
							.xcall("dealer_relations.rebate_targets.import_targets", {
								policy: frm.doc.name,
								file: file.name,
							})
							.then((r) => {
								frappe.show_alert({
									message: __("Targets imported for {0} dealers", [r.imported]),
									indicator: "green",
								});
								frm.reload_doc();
							}),
				}),
			__("Targets")
		);
	},

	basis(frm) {
		if (frm.doc.basis !== "Collected Amount") frm.set_value("collection_cutoff_date", null);
		else if (!frm.doc.collection_cutoff_date && frm.doc.to_date)
			frm.set_value("collection_cutoff_date", frappe.datetime.add_months(frm.doc.to_date, 1));
	},
});
