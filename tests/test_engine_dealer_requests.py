"""Dealer requests (投诉 / 咨询): what a dealer may write on a new request and on a reply."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dealer_relations.engine.dealer_requests import (
	CLOSED,
	COMPLAINT,
	INQUIRY,
	REQUEST_TYPES,
	SUBJECT_MAX,
	TEXT_MAX,
	check_new_request,
	check_request_reply,
	check_text,
)
from dealer_relations.engine.errors import RuleViolation

BLANKS = st.text(alphabet=" \t\r\n\u3000", max_size=5)
WORDS = st.text(
	alphabet=st.characters(blacklist_categories=("Cs", "Zs", "Zl", "Zp", "Cc")), min_size=1, max_size=60
)
STATUSES = st.sampled_from(["Open", "Replied", "On Hold", "Resolved", CLOSED, None])


@given(left=BLANKS, word=WORDS, right=BLANKS, limit=st.integers(min_value=1, max_value=80))
def test_text_is_kept_trimmed_when_within_its_limit(left, word, right, limit):
	try:
		kept = check_text(left + word + right, "message", "Message", limit)
	except RuleViolation as violation:
		assert len(word) > limit
		assert violation.field == "message"
		assert violation.args == ("Message", limit, len(word))
	else:
		assert kept == word
		assert len(kept) <= limit


@given(blank=BLANKS)
def test_blank_text_is_refused(blank):
	for text in (blank, None):
		with pytest.raises(RuleViolation) as raised:
			check_text(text, "subject", "Subject", 10)
		assert raised.value.field == "subject"
		assert raised.value.title == "Missing Value"


def test_new_request_limits_at_their_edges():
	assert check_new_request(" 破损 ", "x" * TEXT_MAX, COMPLAINT) == ("破损", "x" * TEXT_MAX, COMPLAINT)
	assert check_new_request("s" * SUBJECT_MAX, "d", INQUIRY)[0] == "s" * SUBJECT_MAX
	for subject, description, kind, field in (
		("", "d", COMPLAINT, "subject"),
		("s" * (SUBJECT_MAX + 1), "d", COMPLAINT, "subject"),
		("s", "   ", INQUIRY, "description"),
		("s", "d" * (TEXT_MAX + 1), INQUIRY, "description"),
		("s", "d", "Feature Request", "request_type"),  # another Issue Type of the site
		("s", "d", None, "request_type"),
	):
		with pytest.raises(RuleViolation) as raised:
			check_new_request(subject, description, kind)
		assert raised.value.field == field, (subject[:5], description[:5], kind)


@given(
	kind=st.sampled_from([*REQUEST_TYPES, "Bug", "", None]),
	subject=st.text(max_size=SUBJECT_MAX + 5),
	description=st.text(max_size=50),
)
def test_new_request_taken_exactly_when_each_part_is_valid(kind, subject, description):
	valid = (
		kind in REQUEST_TYPES
		and 0 < len(subject.strip()) <= SUBJECT_MAX
		and 0 < len(description.strip()) <= TEXT_MAX
	)
	try:
		result = check_new_request(subject, description, kind)
	except RuleViolation:
		assert not valid
	else:
		assert valid
		assert result == (subject.strip(), description.strip(), kind)


@given(status=STATUSES, message=st.text(max_size=30))
def test_reply_refused_on_a_closed_request_or_without_a_message(status, message):
	try:
		kept = check_request_reply("ISS-2026-00001", status, message)
	except RuleViolation as violation:
		assert status == CLOSED or not message.strip()
		if status == CLOSED:
			assert violation.title == "Request Closed"
			assert violation.args == ("ISS-2026-00001",)
	else:
		assert status != CLOSED
		assert kept == message.strip()


def test_reply_limit():
	assert check_request_reply("ISS-1", "Replied", "y" * TEXT_MAX) == "y" * TEXT_MAX
	with pytest.raises(RuleViolation) as raised:
		check_request_reply("ISS-1", "Open", "y" * (TEXT_MAX + 1))
	assert raised.value.title == "Too Long"
