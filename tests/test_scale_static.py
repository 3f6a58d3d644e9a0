"""Static checks for the scale work: report code stays read-only (so Frappe's read_from_replica can
send it to a MariaDB replica), the benchmarks cover every capability generically."""

from __future__ import annotations

import re
from pathlib import Path

APP = Path(__file__).resolve().parents[1] / "dealer_relations"
WRITES = re.compile(
	r"\b(db_set|set_value|bulk_update|bulk_insert|db_insert|db_update|delete_doc|enqueue|commit)\s*\(|"
	r"\.(insert|save|submit|cancel|delete)\s*\(|\b(insert\s+into|update\s+`|delete\s+from)\b",
	re.IGNORECASE,
)


def test_report_code_is_read_only():
	reports = [
		path
		for path in (APP / "dealer_relations" / "report").glob("*/*.py")
		if not path.name.startswith(("test_", "__"))
	]
	assert reports
	for path in reports:
		found = WRITES.search(path.read_text(encoding="utf-8"))
		assert not found, (
			f"{path.name} writes ({found.group(0)}): reports must stay read-only for the replica"
		)


def test_benchmarks_find_hooks_and_reports_themselves():
	hooks = (APP / "benchmarks" / "hooks.py").read_text(encoding="utf-8")
	reports = (APP / "benchmarks" / "reports.py").read_text(encoding="utf-8")
	assert 'get_hooks("doc_events")' in hooks
	assert '"Script Report"' in reports
	init = (APP / "benchmarks" / "__init__.py").read_text(encoding="utf-8")
	for section in ("credit", "rebates", "hooks", "reports"):
		assert f'"{section}"' in init


def test_scale_out_chunk_size_is_a_setting():
	settings = (
		APP / "dealer_relations" / "doctype" / "dealer_relations_settings" / "dealer_relations_settings.json"
	).read_text(encoding="utf-8")
	assert '"dealers_per_job"' in settings
	for module in ("rebates.py", "credit.py"):
		assert "dealers_per_job()" in (APP / module).read_text(encoding="utf-8")
