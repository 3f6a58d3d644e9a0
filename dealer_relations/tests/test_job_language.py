"""Background jobs speak the language of the user who started them (a zh accountant's progress
dialog reads 正在生成返利结算单, not English): Frappe 15's job runner sets the user only."""

from __future__ import annotations

from unittest.mock import patch

import frappe

from dealer_relations import visits
from dealer_relations.tests.utils import FrappeTestCase, make_dealer, make_user

ZH_USER = "dr-zh-jobs@example.com"


class TestJobsSpeakTheUsersLanguage(FrappeTestCase):
	def test_progress_title_is_in_the_starting_users_language(self):
		make_user(ZH_USER, ["Dealer Manager"])
		frappe.db.set_value("User", ZH_USER, "language", "zh")
		make_dealer(tier="B")
		frappe.set_user(ZH_USER)
		frappe.local.lang = "en"  # as a worker starts: the site's language, whoever queued the job
		try:
			with patch("frappe.publish_progress") as progress:
				visits.refresh_tier_dealers("B")
		finally:
			frappe.set_user("Administrator")
			frappe.local.lang = "en"
		self.assertTrue(progress.called)
		self.assertEqual(progress.call_args.kwargs["title"], "正在更新应拜访日期")
