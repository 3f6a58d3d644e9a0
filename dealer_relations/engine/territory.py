"""Territory authorisation against ERPNext's Territory tree, given the tree as plain data."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class TerritoryTree:
	"""The Territory tree as a child -> parent mapping (roots map to None or are absent)."""

	parent_of: Mapping[str, str | None] = field(default_factory=dict)

	def ancestors(self, territory: str) -> list[str]:
		"""The territory itself followed by its ancestors up to the root.

		Stops on a cycle instead of looping forever: a corrupt tree must not hang a save.
		"""
		chain: list[str] = []
		seen: set[str] = set()
		current: str | None = territory
		while current and current not in seen:
			chain.append(current)
			seen.add(current)
			current = self.parent_of.get(current)
		return chain

	def is_within(self, territory: str, root: str) -> bool:
		"""True when ``territory`` is ``root`` or lies in its subtree."""
		return root in self.ancestors(territory)


def is_territory_authorised(territory: str | None, authorised: Iterable[str], tree: TerritoryTree) -> bool:
	"""Whether a sale into ``territory`` is covered by a dealer's authorised territories.

	An authorised territory that is a group node covers its whole subtree.
	"""
	if not territory:
		return False
	granted = set(authorised)
	return any(node in granted for node in tree.ancestors(territory))


def covering_territory(territory: str, authorised: Iterable[str], tree: TerritoryTree) -> str | None:
	"""The nearest authorised territory that covers ``territory`` (itself or an ancestor), if any."""
	granted = set(authorised)
	for node in tree.ancestors(territory):
		if node in granted:
			return node
	return None


def redundant_territories(authorised: Iterable[str], tree: TerritoryTree) -> dict[str, str]:
	"""Authorised territories already covered by another authorised ancestor: {child: ancestor}."""
	granted = list(dict.fromkeys(authorised))
	granted_set = set(granted)
	redundant: dict[str, str] = {}
	for territory in granted:
		for ancestor in tree.ancestors(territory)[1:]:
			if ancestor in granted_set:
				redundant[territory] = ancestor
				break
	return redundant


def duplicate_entries(values: Iterable[str]) -> list[str]:
	"""Values listed more than once, in first-seen order."""
	seen: set[str] = set()
	duplicates: list[str] = []
	for value in values:
		if value in seen and value not in duplicates:
			duplicates.append(value)
		seen.add(value)
	return duplicates


def region_of(territory: str, tree: TerritoryTree) -> str:
	"""The top-level region a territory belongs to: its ancestor just below the tree's root (a
	root-level territory is its own region)."""
	chain = tree.ancestors(territory)
	return chain[-2] if len(chain) >= 2 else chain[0]


def count_by_region_and_tier(
	dealer_territories: Iterable[tuple[str, str | None, str]], tree: TerritoryTree
) -> dict[str, dict[str | None, int]]:
	"""Dealers per region and tier from (dealer, tier, authorised territory) rows. A dealer
	authorised in several regions counts once in each; twice in one region counts once."""
	seen: set[tuple[str, str]] = set()
	counts: dict[str, dict[str | None, int]] = {}
	for dealer, tier, territory in dealer_territories:
		region = region_of(territory, tree)
		if (dealer, region) in seen:
			continue
		seen.add((dealer, region))
		by_tier = counts.setdefault(region, {})
		by_tier[tier] = by_tier.get(tier, 0) + 1
	return counts
