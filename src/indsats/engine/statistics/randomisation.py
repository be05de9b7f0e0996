"""Allocation sequences for a randomised study: simple, permuted blocks, or permuted blocks per stratum.

The sequence is made once, before any child is enrolled, from a seed, and kept concealed: each child
enrolled in a stratum takes the next unused position of that stratum's list (Schulz & Grimes 2002,
"Allocation concealment in randomised trials", Lancet 359:614-618). The same seed, method, block size,
strata and lengths always give the same lists (numpy's PCG64 generator, ``numpy.random.default_rng``).

* ``simple``: each position is a fair coin, independently (Altman & Bland 1999, "How to randomise",
  BMJ 319:703-704). The groups can end up unequal.
* ``block``: permuted blocks of ``block_size`` positions, each with ``block_size / 2`` of each arm in a
  random order, so after every complete block the arms are equal (Schulz & Grimes 2002, "Generation of
  allocation sequences in randomised trials", Lancet 359:515-519; Altman & Bland 1999).
* ``stratified``: permuted blocks within each stratum (here: each municipality), so the arms are balanced
  within every municipality as well as overall (Kernan et al. 1999, "Stratified randomization for
  clinical trials", J Clin Epidemiol 52:19-26).

Arms are coded 1 (intervention) and 0 (comparison). Each stratum gets its own stream of the generator,
spawned from the seed in the order the strata are given, so adding children to one stratum never
changes another's list.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from indsats.engine.base.errors import StatisticsInputError

AllocationMethod = Literal["simple", "block", "stratified"]
ALLOCATION_METHODS: tuple[str, ...] = ("simple", "block", "stratified")
INTERVENTION_ARM = 1
COMPARISON_ARM = 0
SINGLE_STRATUM = ""
"""The one stratum of a simple or block sequence."""


@dataclass(frozen=True)
class AllocationSequence:
    """The concealed lists: per stratum, the arm of each position (1 intervention, 0 comparison)."""

    method: str
    seed: int
    block_size: int | None
    lists: Mapping[str, tuple[int, ...]]

    @property
    def n(self) -> int:
        return sum(len(arms) for arms in self.lists.values())

    def sha256(self) -> str:
        """A fingerprint of the whole sequence, stored so that later changes to it can be detected."""
        document = {"method": self.method, "seed": self.seed, "block_size": self.block_size}
        document["lists"] = {stratum: list(arms) for stratum, arms in sorted(self.lists.items())}
        return hashlib.sha256(json.dumps(document, sort_keys=True).encode()).hexdigest()

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "seed": self.seed,
            "block_size": self.block_size,
            "n": self.n,
            "lists": {stratum: list(arms) for stratum, arms in self.lists.items()},
        }

    def summary(self) -> str:
        lines = [f"Allocation sequence ({self.method}, seed {self.seed}), {self.n} positions"]
        for stratum, arms in self.lists.items():
            lines.append(
                f"  {stratum or 'all'}: {sum(arms)} intervention, {len(arms) - sum(arms)} comparison"
            )
        return "\n".join(lines)


def allocation_sequence(
    sizes: Mapping[str, int],
    *,
    method: AllocationMethod,
    seed: int,
    block_size: int = 4,
) -> AllocationSequence:
    """The allocation lists for ``sizes`` (stratum -> number of positions) by ``method`` (see the module).

    ``simple`` and ``block`` need exactly one stratum (``SINGLE_STRATUM``); ``stratified`` one or more.
    The block size must be even and at least 2; a list whose length is not a multiple of it ends with
    the first positions of one more permuted block.
    """
    if method not in ALLOCATION_METHODS:
        raise StatisticsInputError(
            "method", "unknown_method", methods=", ".join(ALLOCATION_METHODS), method=method
        )
    if not sizes:
        raise StatisticsInputError("sizes", "no_strata")
    if method != "stratified" and len(sizes) != 1:
        raise StatisticsInputError("sizes", "one_stratum_only", method=method, strata=len(sizes))
    for stratum, size in sizes.items():
        if isinstance(size, bool) or int(size) != size or size < 1:
            raise StatisticsInputError("sizes", "stratum_size_invalid", stratum=stratum, size=size)
    uses_blocks = method != "simple"
    if uses_blocks and (block_size < 2 or block_size % 2):
        raise StatisticsInputError("block_size", "block_size_invalid", block_size=block_size)

    streams = np.random.SeedSequence(seed).spawn(len(sizes))
    lists: dict[str, tuple[int, ...]] = {}
    for (stratum, size), stream in zip(sizes.items(), streams, strict=True):
        rng = np.random.default_rng(stream)
        if not uses_blocks:
            arms = rng.integers(0, 2, size=int(size))
        else:
            n_blocks = -(-int(size) // block_size)
            block = np.array([INTERVENTION_ARM, COMPARISON_ARM] * (block_size // 2))
            arms = np.concatenate([rng.permutation(block) for _ in range(n_blocks)])[: int(size)]
        lists[stratum] = tuple(int(arm) for arm in arms)
    return AllocationSequence(
        method=method, seed=int(seed), block_size=block_size if uses_blocks else None, lists=lists
    )


__all__ = [
    "ALLOCATION_METHODS",
    "COMPARISON_ARM",
    "INTERVENTION_ARM",
    "SINGLE_STRATUM",
    "AllocationSequence",
    "allocation_sequence",
]
