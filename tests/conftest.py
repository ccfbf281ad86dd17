"""Shared fixtures: a seeded NumPy Generator, so every failure reproduces."""
import numpy as np
import pytest


@pytest.fixture
def rng():
    """A fresh, seeded Generator per test (tests do not share random state)."""
    return np.random.default_rng(20240611)
