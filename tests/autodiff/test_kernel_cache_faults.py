"""Faults of the kernel cache met while saving, on a tiny module built the way the
kernels are (:func:`diffkit.kernels.build._build`): compiling it takes well under
a second, so these run in process."""
import errno
import os

import pytest

from diffkit.kernels import build
from diffkit.kernels.cache import KernelCacheWarning

pytestmark = pytest.mark.skipif(os.environ.get("NUMBA_DISABLE_JIT") == "1",
                                reason="no compilation, so nothing to cache")

TEXT = "def half(x):\n    return x / 2.0\n"


def _counts(kernel):
    stats = kernel.stats
    return sum(stats.cache_hits.values()), sum(stats.cache_misses.values())


def test_a_cache_that_cannot_be_saved_warns_and_the_kernel_still_runs(tmp_path, monkeypatch):
    monkeypatch.setenv("DIFFKIT_CACHE_DIR", str(tmp_path))

    def disk_full(self, path):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), path)

    with monkeypatch.context() as patch:
        patch.setattr(build._CheckedFile, "_open_for_write", disk_full)
        module = build._build(TEXT)
        with pytest.warns(KernelCacheWarning, match=os.strerror(errno.ENOSPC)) as caught:
            assert module.half(3.0) == 1.5
    assert len(caught) == 1
    assert str(tmp_path / "kernels" / "__pycache__") in str(caught[0].message)
    assert _counts(module.half) == (0, 1)
    assert not list((tmp_path / "kernels" / "__pycache__").glob("*.nb*"))
    # once the disk has room, the next build saves, and the one after loads
    assert build._build(TEXT).half(3.0) == 1.5
    module = build._build(TEXT)
    assert module.half(3.0) == 1.5 and _counts(module.half) == (1, 0)
