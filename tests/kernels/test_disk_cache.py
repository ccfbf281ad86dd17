"""The compiled kernels are cached on disk, and a damaged or unusable cache never
gives a wrong number or a failed run.

SLOW BY NATURE (~30 s): one subprocess compiles the kernels forward mode needs
into an empty DIFFKIT_CACHE_DIR (the module fixture ``compiled``).  Every other
test damages a copy of that folder and runs a fresh process on it, which loads
what is sound, recompiles what is not (a few seconds) and must give the right
derivatives.  XDG_CACHE_HOME and TMPDIR point into the test's folder, so no
fallback ever touches the real user cache.
"""
import errno
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import warnings

import numpy as np
import pytest

from diffkit.errors import DiffkitError
from diffkit.kernels import KernelCacheWarning, build, cache

pytestmark = pytest.mark.skipif(os.environ.get("NUMBA_DISABLE_JIT") == "1",
                                reason="no compilation, so nothing to cache")

X = np.array([0.5, 1.5, 3.0])
# Forward mode evaluates each derivative from the kernel source's own formula
# (log2: 1.0 / (a * LN2) with the LN2 written into the source), so an edited
# source that were compiled would show in these numbers.
SCRIPT = r"""
import json, warnings
import numpy as np
import diffkit
from diffkit.kernels.build import kernels
x = np.array(%r)
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    log2 = diffkit.grad(lambda x: np.sum(np.log2(x)), method="forward")(x)
    sin = diffkit.grad(lambda x: np.sum(np.sin(x)), method="forward")(x)
stats = [fn.stats for fn in vars(kernels()).values() if hasattr(fn, "stats")]
print(json.dumps({
    "log2": log2.tolist(), "sin": sin.tolist(),
    "hits": sum(sum(s.cache_hits.values()) for s in stats),
    "misses": sum(sum(s.cache_misses.values()) for s in stats),
    "warnings": [str(w.message) for w in caught if w.category.__name__ == "KernelCacheWarning"],
}))
""" % (X.tolist(),)


def _run(cache_dir, home):
    """Run SCRIPT with the kernel cache in ``cache_dir``; fallbacks go under ``home``."""
    env = dict(os.environ, DIFFKIT_CACHE_DIR=str(cache_dir),
               XDG_CACHE_HOME=str(home / "xdg"), TMPDIR=str(home / "tmp"))
    (home / "tmp").mkdir(exist_ok=True)
    proc = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True,
                          text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    # Both kernels compute the derivative with the same IEEE operations as these
    # references (1 / (x * ln 2), cos x): a few ulps at most, a wrong digit is ~1e-2.
    for got, want in ((result["log2"], 1.0 / (X * np.log(2.0))), (result["sin"], np.cos(X))):
        assert np.max(np.abs(np.array(got) - want) / np.abs(want)) <= 1e-15, (got, want)
    return result


@pytest.fixture(scope="module")
def compiled(tmp_path_factory):
    """A cache folder holding the compiled kernels, and the cold run that filled it."""
    home = tmp_path_factory.mktemp("cold")
    result = _run(home / "cache", home)
    return home / "cache", result


@pytest.fixture
def copy(compiled, tmp_path):
    """A private copy of the compiled cache folder, for a test to damage."""
    return shutil.copytree(compiled[0], tmp_path / "cache")


def _source(root):
    (path,) = (root / "kernels").glob(cache.PREFIX + "*.py")
    return path


def _entry(root, suffix):
    """The file of the ``tangents`` kernel's numba cache entry ending in ``suffix``."""
    (path,) = (root / "kernels" / "__pycache__").glob(f"{cache.PREFIX}*.tangents-*{suffix}")
    return path


def test_a_second_process_loads_the_compiled_kernels_from_the_disk_cache(compiled, copy,
                                                                          tmp_path):
    cold = compiled[1]
    assert cold["misses"] > 0 and cold["warnings"] == [], cold
    assert _source(copy).is_file() and _entry(copy, ".nbi").is_file()
    warm = _run(copy, tmp_path)
    assert warm["misses"] == 0 and warm["hits"] > 0 and warm["warnings"] == [], warm


def test_an_edited_kernel_source_is_not_compiled(copy, tmp_path):
    path = _source(copy)
    text = path.read_text()
    edited = re.sub(r"^(LN2 = .*?0\.6)9", r"\g<1>8", text, count=1, flags=re.M)  # one digit
    assert edited != text
    path.write_text(edited)
    result = _run(copy, tmp_path)
    assert len(result["warnings"]) == 1 and str(path) in result["warnings"][0], result
    assert result["misses"] == 0, result  # the cache is keyed by the generated text
    assert path.read_text() == text


@pytest.mark.parametrize("damage", ["truncated", "garbage"])
def test_a_damaged_kernel_source_is_rewritten(copy, tmp_path, damage):
    path = _source(copy)
    text = path.read_bytes()
    path.write_bytes(text[:len(text) // 2] if damage == "truncated" else b"\x00\xff(:garbage")
    result = _run(copy, tmp_path)
    assert len(result["warnings"]) == 1 and str(path) in result["warnings"][0], result
    assert path.read_bytes() == text


def test_a_truncated_index_of_the_compiled_kernels_is_discarded_and_compiled_again(copy,
                                                                                    tmp_path):
    path = _entry(copy, ".nbi")
    path.write_bytes(path.read_bytes()[:100])
    result = _run(copy, tmp_path)
    assert len(result["warnings"]) == 1 and path.name[:-4] in result["warnings"][0], result
    assert result["misses"] > 0, result
    again = _run(copy, tmp_path)  # saved again, and sound
    assert again["misses"] == 0 and again["warnings"] == [], again


TINY = "def twice(x):\n    return 2.0 * x\n"


@pytest.fixture
def tiny(tmp_path, monkeypatch):
    """Build a one-function kernel module cached in ``tmp_path`` and call it: the same
    checked cache as the kernels, in a fraction of a second.  Returns (hits, misses)."""
    monkeypatch.setenv("DIFFKIT_CACHE_DIR", str(tmp_path))
    before = set(sys.modules)

    def run():
        module = build._build(TINY)
        assert module.twice(1.5) == 3.0
        stats = module.twice.stats
        return sum(stats.cache_hits.values()), sum(stats.cache_misses.values())

    yield run
    for name in set(sys.modules) - before:
        if name.startswith(cache.PREFIX):
            del sys.modules[name]


@pytest.mark.parametrize("suffix", [".nbi", ".1.nbc"])
@pytest.mark.parametrize("damage", ["truncated", "one byte changed"])
def test_a_damaged_numba_cache_entry_is_discarded_and_compiled_again(tiny, tmp_path, suffix,
                                                                     damage):
    assert tiny() == (0, 1)  # compiled and saved
    (path,) = (tmp_path / "kernels" / "__pycache__").glob(f"{cache.PREFIX}*.twice-*{suffix}")
    data = bytearray(path.read_bytes())
    if damage == "truncated":
        del data[len(data) // 2:]
    else:
        data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    with pytest.warns(KernelCacheWarning, match=r"twice.*damaged"):
        assert tiny() == (0, 1)
    with warnings.catch_warnings():
        warnings.simplefilter("error", KernelCacheWarning)
        assert tiny() == (1, 0)  # saved again, and sound


def test_a_cache_that_cannot_be_saved_warns_and_the_kernel_still_runs(tiny, tmp_path,
                                                                       monkeypatch):
    def disk_full(self, path):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), path)

    with monkeypatch.context() as patch:
        patch.setattr(build._CheckedFile, "_open_for_write", disk_full)
        with pytest.warns(KernelCacheWarning, match=os.strerror(errno.ENOSPC)) as caught:
            assert tiny() == (0, 1)
    assert len(caught) == 1, [str(w.message) for w in caught]
    assert str(tmp_path / "kernels" / "__pycache__") in str(caught[0].message)
    assert not list((tmp_path / "kernels" / "__pycache__").glob("*.nb*"))
    assert tiny() == (0, 1)  # the disk has room again: compiled and saved
    assert tiny() == (1, 0)


def _seed_fallback(compiled, home):
    """Put the compiled kernels in the per-user cache the fallback uses: no compiling."""
    shutil.copytree(compiled[0] / "kernels", home / "xdg" / "diffkit" / "kernels")


def test_a_file_where_the_kernels_folder_should_be_is_left_alone(compiled, copy, tmp_path):
    shutil.rmtree(copy / "kernels")
    (copy / "kernels").write_text("not diffkit's\n")
    _seed_fallback(compiled, tmp_path)
    result = _run(copy, tmp_path)
    assert len(result["warnings"]) == 1 and str(copy / "kernels") in result["warnings"][0]
    assert result["misses"] == 0, result
    assert (copy / "kernels").read_text() == "not diffkit's\n"


def _writable(folder):
    try:
        tempfile.TemporaryFile(dir=folder).close()
    except OSError:
        return False
    return True


def test_a_read_only_cache_folder_falls_back_with_one_warning(compiled, copy, tmp_path):
    configured = copy
    for folder in (copy, copy / "kernels", copy / "kernels" / "__pycache__"):
        folder.chmod(0o555)
    if _writable(copy / "kernels" / "__pycache__"):  # root ignores permissions
        (tmp_path / "read-only").write_text("")     # a path no one can create
        configured = tmp_path / "read-only" / "cache"
    _seed_fallback(compiled, tmp_path)
    try:
        result = _run(configured, tmp_path)
    finally:
        for folder in (copy, copy / "kernels", copy / "kernels" / "__pycache__"):
            folder.chmod(0o755)
    assert len(result["warnings"]) == 1, result
    assert str(configured / "kernels") in result["warnings"][0], result
    assert result["misses"] == 0, result


def test_no_writable_folder_means_compiling_in_memory_with_one_warning(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv("DIFFKIT_CACHE_DIR", str(blocker / "a"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker / "b"))
    monkeypatch.setattr(tempfile, "tempdir", str(blocker / "c"))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert cache.place("x = 1\n", cache.PREFIX + "test") is None
    assert [w.category for w in caught] == [KernelCacheWarning]
    assert "in memory" in str(caught[0].message) and str(blocker / "a") in str(caught[0].message)


@pytest.mark.skipif(not hasattr(os, "getuid"), reason="POSIX owners and modes")
def test_a_shared_temporary_folder_is_not_trusted(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv("DIFFKIT_CACHE_DIR", str(blocker / "a"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker / "b"))
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    shared = tmp_path / f"diffkit-{os.getuid()}"
    shared.mkdir(mode=0o777)
    shared.chmod(0o777)  # anyone could plant pickles here
    with pytest.warns(KernelCacheWarning, match="in memory"):
        assert cache.place("x = 1\n", cache.PREFIX + "test") is None
    shared.chmod(0o700)
    with pytest.warns(KernelCacheWarning, match=re.escape(str(shared / "kernels"))):
        assert cache.place("x = 1\n", cache.PREFIX + "test") == str(shared / "kernels")


def test_a_relative_cache_folder_is_made_absolute(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DIFFKIT_CACHE_DIR", "relative")
    assert cache.cache_dir() == str(tmp_path / "relative" / "kernels")


def test_an_entry_that_cannot_be_discarded_names_the_folder_to_delete(tmp_path):
    base = cache.PREFIX + "0123.f-1.py311"
    (tmp_path / (base + ".nbi")).mkdir()  # unlink cannot remove it
    (tmp_path / (base + ".1.nbc")).write_bytes(b"")
    (tmp_path / "kept.nbi").write_bytes(b"")
    with pytest.raises(DiffkitError, match=f"delete the folder {re.escape(str(tmp_path))}"):
        cache.discard(str(tmp_path), base, "EOFError")
    assert (tmp_path / "kept.nbi").exists()
