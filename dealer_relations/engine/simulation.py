"""Policy simulator (政策模拟): what a rebate policy would have cost over a past period, per dealer
tier, and which dealers ended that period within reach of the next slab.

It takes the volumes the year-end run would load for that period and the same rules
(``calculate_rebates``, ``next_slab``), so a simulated figure is the figure the year-end run would
have produced; nothing here knows the policy's basis.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from dealer_relations.engine.money import HUNDRED, ZERO
from dealer_relations.engine.rebates import (
	DealerVolume,
	NextSlab,
	RebateResult,
	RebateTerms,
	calculate_rebates,
	next_slab,
)

# "Within reach": the volume still missing is at most this percent of the next slab's threshold.
NEAR_PERCENT = Decimal(10)


@dataclass(slots=True)
class TierFigures:
	"""What a policy costs for the dealers of one tier (or all of them, for the total)."""

	tier: str
	dealers: int = 0
	eligible_sales: Decimal = ZERO  # what the rates apply to: the amount, also for a quantity basis
	cost: Decimal = ZERO  # net rebates, after caps and diversion forfeits
	near_next_slab: int = 0

	@property
	def cost_percent(self) -> Decimal | None:
		"""Cost as a percent of eligible sales; None when there were no sales to divide by."""
		if self.eligible_sales <= 0:
			return None
		return self.cost * HUNDRED / self.eligible_sales

	def add(self, result: RebateResult, near: bool) -> None:
		self.dealers += 1
		self.eligible_sales += result.base
		self.cost += result.net_rebate
		self.near_next_slab += int(near)


@dataclass(frozen=True, slots=True)
class NearDealer:
	"""A dealer within reach of the next slab: where it stands and what reaching it would earn."""

	dealer: str
	tier: str
	result: RebateResult
	ahead: NextSlab

	@property
	def threshold(self) -> Decimal:
		return self.result.volume + self.ahead.gap

	@property
	def gap_percent(self) -> Decimal:
		"""The missing volume as a percent of the next slab's threshold."""
		return self.ahead.gap * HUNDRED / self.threshold if self.threshold > 0 else HUNDRED


@dataclass(slots=True)
class Simulation:
	"""One policy replayed over one period: figures per tier (in first-seen order of the dealers
	given), their total, every dealer's result and the dealers within reach of the next slab."""

	tiers: dict[str, TierFigures] = field(default_factory=dict)
	total: TierFigures = field(default_factory=lambda: TierFigures(""))
	results: dict[str, RebateResult] = field(default_factory=dict)
	near: list[NearDealer] = field(default_factory=list)


def within_reach(volume: Decimal, ahead: NextSlab | None, percent: Decimal = NEAR_PERCENT) -> bool:
	"""Whether the next slab's threshold (``volume`` plus the gap) is at most ``percent`` percent
	above ``volume``: the gap is within that percent of the threshold."""
	if ahead is None or ahead.gap <= 0:
		return False
	threshold = volume + ahead.gap
	return threshold > 0 and ahead.gap * HUNDRED <= threshold * percent


def simulate(
	terms: RebateTerms,
	volumes: Mapping[str, DealerVolume],
	tier_of: Mapping[str, str | None],
	percent: Decimal = NEAR_PERCENT,
) -> Simulation:
	"""Replay ``volumes`` (one DealerVolume per covered dealer, as ``load_volumes`` returns them)
	through ``terms``: the year-end rules for every dealer, added up per tier (``tier_of``; a
	dealer without one counts under ""), and the dealers within ``percent`` of the next slab,
	nearest first."""
	simulation = Simulation()
	simulation.results = calculate_rebates(terms, volumes)
	for dealer, result in simulation.results.items():
		volume = volumes[dealer]
		tier = tier_of.get(dealer) or ""
		ahead = next_slab(terms, result, volume.prior_volume, volume.forfeit_percent)
		near = within_reach(result.volume, ahead, percent)
		if near:
			simulation.near.append(NearDealer(dealer, tier, result, ahead))
		figures = simulation.tiers.get(tier)
		if figures is None:
			figures = simulation.tiers[tier] = TierFigures(tier)
		figures.add(result, near)
		simulation.total.add(result, near)
	simulation.near.sort(key=lambda item: (item.gap_percent, item.dealer))
	return simulation
