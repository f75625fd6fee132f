"""Counter-based random numbers, so that every simulation owns its stream.

A batch of simulations is vectorised, yet each simulation's start point and gradient noise must
not depend on which other simulations share its batch, on the batch order, or on ``--cores``.
So randomness is a pure function of ``(key, counter)``: a SplitMix64 finaliser applied to the
key plus a Weyl sequence of the counter (Steele, Lea & Flood, "Fast splittable pseudorandom
number generators", OOPSLA 2014). Keys come from :func:`derive_key`, a SHA-256 of the
simulation's coordinates.
"""

from __future__ import annotations

import hashlib

import numpy as np

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)


def derive_key(*parts: object) -> int:
    """A 64-bit key from the canonical text of ``parts`` (stable across runs and machines)."""
    text = "\x1f".join(str(p) for p in parts).encode()
    return int.from_bytes(hashlib.sha256(text).digest()[:8], "little")


def _mix(z: np.ndarray) -> np.ndarray:
    z = (z ^ (z >> np.uint64(30))) * _M1
    z = (z ^ (z >> np.uint64(27))) * _M2
    return z ^ (z >> np.uint64(31))


def uniform(keys: np.ndarray, counter: int, m: int) -> np.ndarray:
    """``(len(keys), m)`` uniforms in (0, 1): draws counter*m to counter*m + m - 1 of each key."""
    keys = np.asarray(keys, dtype=np.uint64)
    idx = np.arange(m, dtype=np.uint64) + np.uint64(counter) * np.uint64(m) + np.uint64(1)
    with np.errstate(over="ignore"):
        z = _mix(keys[:, None] + idx[None, :] * _GOLDEN)
    return ((z >> np.uint64(11)).astype(np.float64) + 0.5) * 2.0**-53


def normal(keys: np.ndarray, counter: int, m: int) -> np.ndarray:
    """``(len(keys), m)`` standard normals (Box-Muller on two uniform streams)."""
    u = uniform(keys, counter, 2 * m)
    return np.sqrt(-2.0 * np.log(u[:, :m])) * np.cos(2.0 * np.pi * u[:, m:])
