"""Sites installed before rebates get the settlement approval workflow on migrate."""

from dealer_relations.setup.workflow import make_workflows


def execute():
	make_workflows()
