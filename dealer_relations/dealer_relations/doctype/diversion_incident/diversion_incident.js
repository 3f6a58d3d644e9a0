// Copyright (c) 2026, Dealer Relations contributors
// For license information, please see license.txt

frappe.ui.form.on("Diversion Incident", {
	refresh(frm) {
		// Once reported, only a Dealer Manager changes what decides the penalty (the server
		// refuses it too): the form does not offer it to anyone else.
		const manager = frappe.user.has_role(["Dealer Manager", "System Manager"]);
		const basis_locked = !frm.is_new() && !manager;
		["incident_date", "company", "dealer", "found_territory", "items"].forEach((fieldname) =>
			frm.set_df_property(fieldname, "read_only", basis_locked ? 1 : 0),
		);
		if (frm.doc.docstatus === 0 && frm.doc.source === "Field Report" && !basis_locked) {
			frm.add_custom_button(__("Trace Dealer"), () => trace_dealer(frm));
		}
		if (frm.doc.journal_entry) {
			frm.add_custom_button(__("Fine Journal Entry"), () =>
				frappe.set_route("Form", "Journal Entry", frm.doc.journal_entry),
			);
		}
	},
});

frappe.ui.form.on("Diversion Incident Item", {
	qty: compute_amount,
	rate: compute_amount,
	serial_no(frm, cdt, cdn) {
		const row = locals[cdt][cdn];
		const count = (row.serial_no || "")
			.split(/[\n,]/)
			.map((s) => s.trim())
			.filter(Boolean).length;
		if (count) {
			frappe.model.set_value(cdt, cdn, "qty", count);
		}
	},
});

function compute_amount(frm, cdt, cdn) {
	const row = locals[cdt][cdn];
	frappe.model.set_value(cdt, cdn, "amount", flt(row.qty) * flt(row.rate));
	frm.set_value(
		"diverted_value",
		(frm.doc.items || []).reduce((sum, item) => sum + flt(item.amount), 0),
	);
}

// Ask the server where the first row's numbers went; a batch that reached several dealers
// needs the user to pick one.
async function trace_dealer(frm) {
	const row = (frm.doc.items || []).find((item) => item.serial_no || item.batch_no);
	if (!row) {
		frappe.msgprint(__("Enter the Serial Nos or the Batch of the goods found first."));
		return;
	}
	const { message: result } = await frappe.call({
		method: "dealer_relations.diversion.trace_numbers",
		args: { serial_no: row.serial_no || null, batch_no: row.serial_no ? null : row.batch_no },
	});
	if (result.error) {
		frappe.msgprint({ title: __("Cannot Trace"), message: result.error, indicator: "red" });
		return;
	}
	if (result.dealers.length === 1) {
		await frm.set_value("dealer", result.dealers[0]);
		frappe.show_alert({ message: __("Traced to Dealer {0}", [result.dealers[0]]), indicator: "green" });
		return;
	}
	const dialog = new frappe.ui.Dialog({
		title: __("Batch went to several dealers"),
		fields: [
			{
				fieldname: "dealer",
				fieldtype: "Select",
				label: __("Dealer"),
				options: result.dealers,
				reqd: 1,
				description: __("Choose the dealer whose goods were found."),
			},
		],
		primary_action_label: __("Choose"),
		primary_action(values) {
			frm.set_value("dealer", values.dealer);
			dialog.hide();
		},
	});
	dialog.show();
}
