"""A rule violation carries an untranslated message; the Frappe layer translates and shows it."""

from __future__ import annotations

from dataclasses import dataclass


def _(message: str) -> str:
	"""Mark a message for translation extraction without translating it (gettext's N_).

	The Frappe layer passes the same source string through frappe._ when it shows it, and
	translation tooling picks the literal up from this call.
	"""
	return message


@dataclass(frozen=True)
class RuleViolation(Exception):
	"""A broken business rule.

	``message`` is an English source string with ``{0}``-style placeholders; ``args`` fill them.
	``field`` names the offending field so the form can point at it. ``translate_args`` says whether
	the arguments are themselves fixed vocabulary (statuses, types) that should be translated.
	"""

	message: str
	args: tuple = ()
	field: str | None = None
	title: str = "Invalid Data"
	translate_args: bool = False

	def __str__(self) -> str:
		return self.message.format(*self.args)
