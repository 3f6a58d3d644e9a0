"""A site that migrates gets every custom field the app declares: Frappe re-runs a patches.txt line
only when its text changes, so each change to setup/custom_fields.py comes with a new counted
``sync_custom_fields`` line. The line carries the fingerprint of the declarations it syncs."""

from __future__ import annotations

import hashlib
import json

from tests.app_source import APP

SYNC = "dealer_relations.patches.v0_1.sync_custom_fields"


def declarations_fingerprint() -> str:
	from dealer_relations.setup.custom_fields import get_custom_fields

	text = json.dumps(get_custom_fields(), sort_keys=True, ensure_ascii=False, default=str)
	return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def test_the_latest_custom_field_declarations_have_a_sync_line():
	lines = (APP / "patches.txt").read_text(encoding="utf-8").splitlines()
	fingerprint = declarations_fingerprint()
	assert f"{SYNC} #fields-{fingerprint}" in lines, (
		f"setup/custom_fields.py changed: add `{SYNC} #fields-{fingerprint}` to patches.txt "
		"([post_model_sync]) so migrating sites get the fields"
	)
