"""Shared fixtures: a seeded NumPy Generator, so every failure reproduces."""
import numpy as np
import pytest


@pytest.fixture
def rng():
    """A fresh, seeded Generator per test (tests do not share random state)."""
    return np.random.default_rng(20240611)


def draw(rng, domain, shape):
    """Uniform random float64 array of ``shape`` from the interval ``domain``."""
    low, high = domain
    return rng.uniform(low, high, size=shape)
