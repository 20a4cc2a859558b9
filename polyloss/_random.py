"""Seeds and random generators: every stochastic function takes ``rng`` or ``seed``; nothing is global."""

from __future__ import annotations

import numbers

import numpy as np

from .errors import InvalidInputError


def as_generator(rng=None) -> np.random.Generator:
    """``None`` (fresh entropy), an int seed, or a ``numpy.random.Generator`` -> a Generator."""
    if rng is None or (isinstance(rng, numbers.Integral) and not isinstance(rng, bool)):
        if rng is not None and int(rng) < 0:
            raise InvalidInputError(f"seed must be a non-negative integer, got {rng!r}")
        return np.random.default_rng(rng)
    if isinstance(rng, np.random.Generator):
        return rng
    raise InvalidInputError(f"rng must be None, a non-negative int seed or a numpy Generator; got {rng!r}")


def derive_seed(seed: int | None, *keys: int | str) -> int:
    """A child seed from ``seed`` and a path of keys (stable across runs and platforms).

    Used so that, e.g., the runs for Λ = 100 get the same streams whether or not Λ = 50 ran first.
    ``seed=None`` draws fresh entropy.
    """
    if seed is None:
        return int(np.random.SeedSequence().generate_state(1, dtype=np.uint64)[0] >> np.uint64(1))
    words = [int(seed)]
    for key in keys:
        if isinstance(key, str):
            words.extend(key.encode())
        else:
            words.append(int(key))
    state = np.random.SeedSequence(words).generate_state(2, dtype=np.uint32)
    return int(state[0]) << 31 | int(state[1]) >> 1
