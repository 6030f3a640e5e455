"""The run's random streams: one per agent or mechanism, all from the run's seed, kept in
one registry so that a copy of the model can give every one of them a new state.

A look-ahead (:mod:`sim.explorer.branches`) copies a paused model and reseeds the copy's
streams: each reseeded copy is one more future from the same state, and copies reseeded
with the same key share their randomness (common random numbers).
"""

from __future__ import annotations

import random

import numpy as np

RESEED = 2**31 + 100
"""The first word of the keys :meth:`Streams.reseed` draws from (apart from the spawned
streams' keys and the keyed streams' one-word keys)."""


class Streams:
    """Every stream handed out for a run, in order (``all``), from ``SeedSequence(seed)``."""

    def __init__(self, seed: int | None) -> None:
        self.seeds = np.random.SeedSequence(seed)
        self.all: list[np.random.Generator] = []

    def spawn(self) -> np.random.Generator:
        """A fresh independent stream (the next child of the seed)."""
        return self.register(np.random.default_rng(self.seeds.spawn(1)[0]))

    def keyed(self, key: int) -> np.random.Generator:
        """A stream fixed by the seed and ``key`` alone, whatever was spawned before it."""
        seeds = np.random.SeedSequence(self.seeds.entropy, spawn_key=(key,))
        return self.register(np.random.default_rng(seeds))

    def register(self, stream: np.random.Generator) -> np.random.Generator:
        """Count ``stream`` among the run's (one an agent made from its own, say)."""
        self.all.append(stream)
        return stream

    def reseed(
        self, day: int, key: int, mesa_rng: np.random.Generator, mesa_random: random.Random
    ) -> np.random.Generator:
        """New states for every stream and Mesa's two generators, fixed by the seed, ``day``
        and ``key``; set in place, so that the compiled kernels' handles to the streams
        stay valid. Returns one more stream, for what the copy draws anew at once."""
        seeds = np.random.SeedSequence(self.seeds.entropy, spawn_key=(RESEED, day, key))
        n = len(self.all)
        children = seeds.spawn(n + 3)  # (a child depends on its index, not on how many)
        for stream, child in zip(self.all, children, strict=False):
            stream.bit_generator.state = np.random.PCG64(child).state
        mesa_rng.bit_generator.state = np.random.PCG64(children[n]).state
        mesa_random.seed(int(children[n + 1].generate_state(1, np.uint64)[0]))
        return np.random.default_rng(children[n + 2])


def shuffle(rng: random.Random, items: list) -> None:
    """``rng.shuffle(items)``: the same permutation from the same draws (Fisher-Yates, each
    index drawn by rejection from ``getrandbits``, as ``Random._randbelow`` draws it),
    without ``Random``'s Python call per draw, which cost a run more than the armed
    groups' whole day of decisions in the kernel."""
    getrandbits = rng.getrandbits
    for i in range(len(items) - 1, 0, -1):
        k = (i + 1).bit_length()
        j = getrandbits(k)
        while j > i:
            j = getrandbits(k)
        items[i], items[j] = items[j], items[i]
