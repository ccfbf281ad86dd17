"""Where the compiled kernels live on disk, and keeping that folder sound.

The kernel module is one generated file, ``diffkit_kernels_<tag>.py``, in
a folder of the user's cache; numba keeps its compiled code for it in the
``__pycache__`` folder beside it.  This module (free of numba) chooses that
folder, falling back when it cannot be written, checks the source file
against the text diffkit generates, and removes damaged cache entries.
Everything it deletes or replaces is named ``diffkit_kernels_*`` inside
the chosen folder: files diffkit wrote and recognises by name.
"""
import os
import re
import stat
import tempfile
import warnings

from ..errors import DiffkitError

#: Every file of the kernel cache starts with this name.
PREFIX = "diffkit_kernels_"


class KernelCacheWarning(UserWarning):
    """The kernel cache could not be used as configured, or was damaged and rebuilt."""


def cache_dir():
    """Where the kernel module and numba's cache live (DIFFKIT_CACHE_DIR overrides).

    Absolute: the compiled kernels save there later, whatever the working directory is then.
    """
    return os.path.abspath(os.path.join(os.environ.get("DIFFKIT_CACHE_DIR") or _user_root(),
                                        "kernels"))


def _user_root():
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(cache, "diffkit")


def _candidates():
    """(folder, private) pairs to try in turn: the configured folder, the per-user
    cache, then a private folder in the temporary directory."""
    user = os.getuid() if hasattr(os, "getuid") else "user"  # Windows: TEMP is per user
    found = []
    for folder in (cache_dir(), os.path.join(_user_root(), "kernels")):
        if folder not in found:
            found.append(folder)
    private = os.path.join(tempfile.gettempdir(), f"diffkit-{user}", "kernels")
    return [(folder, False) for folder in found] + [(private, True)]


def _probe(folder, private):
    """Raise OSError unless ``folder`` and its ``__pycache__`` are writable folders.

    numba loads its cache files with pickle, so a folder in the shared temporary
    directory is used only if it belongs to this user and nobody else can write it.
    """
    if private and hasattr(os, "getuid"):
        parent = os.path.dirname(folder)
        os.makedirs(parent, mode=0o700, exist_ok=True)
        st = os.lstat(parent)  # not a link, which could point anywhere
        if not stat.S_ISDIR(st.st_mode) or st.st_uid != os.getuid() or st.st_mode & 0o022:
            raise PermissionError(f"{parent} is not private to this user")
    pycache = os.path.join(folder, "__pycache__")
    os.makedirs(pycache, exist_ok=True)
    tempfile.TemporaryFile(dir=pycache).close()


def _settle(path, data):
    """Make the file at ``path`` hold exactly ``data``; True if it held something else."""
    try:
        with open(path, "rb") as fh:
            if fh.read() == data:
                return False
        differed = True
    except FileNotFoundError:
        differed = False
    tmp = f"{path}.{os.getpid()}.tmp"
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)  # atomic: other processes see the old file or the new one
    except BaseException:
        if os.path.isfile(tmp):
            os.unlink(tmp)
        raise
    return differed


def place(text, name):
    """Write the kernel source ``name + ".py"`` into a usable cache folder and return
    the folder, or None when no folder can be written (then compile in memory).

    An existing file of that name is compared byte for byte with ``text`` and
    rewritten when it differs (a damaged or edited copy is never compiled).
    Warns once when the configured folder cannot be used.
    """
    data = text.encode()
    refused = []
    for folder, private in _candidates():
        path = os.path.join(folder, name + ".py")
        try:
            _probe(folder, private)
            if _settle(path, data):
                warnings.warn(f"the kernel source {path} differed from the text diffkit "
                              "generates; it was rewritten", KernelCacheWarning, stacklevel=3)
            break
        except OSError as exc:
            refused.append(f"{folder} ({exc.strerror or exc})")
    else:
        folder = None
    if refused:
        where = f"using {folder} instead" if folder else (
            "compiling the kernels in memory, on every run: tens of seconds")
        warnings.warn(f"cannot write the kernel cache {refused[0]}; {where}. Make it a writable "
                      "folder or set DIFFKIT_CACHE_DIR to one", KernelCacheWarning, stacklevel=3)
    return folder


def discard(folder, base, reason):
    """Delete the numba cache entry ``base`` (its ``.nbi`` index and ``.N.nbc`` data files)
    from ``folder`` after it failed to load; raise a DiffkitError naming the folder
    to delete when that is not possible.

    Examples
    --------
    >>> import os, tempfile, warnings
    >>> folder = tempfile.mkdtemp()
    >>> entry = PREFIX + "0123.values-1.py311"
    >>> for name in (entry + ".nbi", entry + ".1.nbc", "notes.txt"):
    ...     open(os.path.join(folder, name), "w").close()
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     discard(folder, entry, "truncated")
    >>> sorted(os.listdir(folder)), caught[0].category.__name__   # only the entry goes
    (['notes.txt'], 'KernelCacheWarning')
    >>> discard(folder, "notes", "?")
    Traceback (most recent call last):
    ...
    ValueError: 'notes' is not a diffkit kernel cache entry
    >>> import shutil; shutil.rmtree(folder)
    """
    if not base.startswith(PREFIX):
        raise ValueError(f"{base!r} is not a diffkit kernel cache entry")
    entry = re.compile(re.escape(base) + r"\.(nbi|\d+\.nbc)")
    try:
        for name in os.listdir(folder):
            if entry.fullmatch(name):
                os.unlink(os.path.join(folder, name))
    except OSError as exc:
        raise DiffkitError(f"the kernel cache entry {base} in {folder} is damaged ({reason}) and "
                           f"cannot be removed ({exc.strerror or exc}): delete the folder "
                           f"{folder}") from exc
    warnings.warn(f"the kernel cache entry {base} in {folder} was damaged ({reason}); it was "
                  "discarded and is compiled again", KernelCacheWarning, stacklevel=2)
