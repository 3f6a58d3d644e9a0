// Copyright (c) 2026, Dealer Relations contributors
// For license information, please see license.txt

frappe.ui.form.on("Dealer Statement Confirmation", {
	refresh(frm) {
		if (frm.is_new()) return;
		// The statement the dealer answered, as the dealer downloads it (zh / en); the server checks
		// the user's read right on this confirmation.
		const pdf = (lang) =>
			`/api/method/dealer_relations.statement.download_confirmation_pdf?${new URLSearchParams({
				name: frm.doc.name,
				lang,
			})}`;
		// each language under its own name, as language pickers do
		frm.add_custom_button("中文", () => window.open(pdf("zh")), __("Statement PDF"));
		frm.add_custom_button("English", () => window.open(pdf("en")), __("Statement PDF"));
	},
});
