"""Output folders: diffkit replaces only folders it wrote, and recovers interrupted writes.

A folder is written into a hidden sibling ``.NAME.diffkit-tmp-<pid>-<n>``
and moved into place at the end: a previous report is first renamed to
``.NAME.diffkit-old-<pid>-<n>``, the new one takes its place, and the old one
is removed last.  Every folder diffkit writes holds the marker file
:data:`MARKER`: :data:`SIGNATURE`, then ``writing`` or, written last,
``complete``; a folder being removed is first marked ``removing``, and its
marker is removed last, so a removal cut short leaves a folder the next run
still recognizes.

The rules, all in :func:`replacing_folder`:

* only a missing folder, an empty one or one holding the marker is replaced,
  and it keeps its permissions; the current folder, its parents, the home
  folder and the root are never replaced, marker or not;
* before writing, leftovers of interrupted writes to the same folder are
  handled: if the folder is missing, a complete old report is renamed back;
  other leftovers are removed.  Only folders holding the marker (or nothing
  but a marker being written) whose writer (the ``<pid>`` in the name) is no
  longer running are touched.
"""
import contextlib
import os
import re
import shutil
import stat

from ..errors import OutputError

__all__ = ["MARKER", "SIGNATURE", "read_marker", "replacing_folder"]

MARKER = ".diffkit-report"
SIGNATURE = "diffkit report folder: written by diffkit, which may replace it"
_STATES = ("writing", "complete", "removing")


def read_marker(folder):
    """The state in ``folder``'s marker (``"writing"``, ``"complete"``, ``"removing"``), or None.

    None means the folder is not one diffkit wrote (or it is not a folder).
    """
    try:
        with open(os.path.join(folder, MARKER), encoding="utf-8") as fh:
            lines = fh.read(len(SIGNATURE) + 20).splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    if len(lines) == 2 and lines[0] == SIGNATURE and lines[1] in _STATES:
        return lines[1]
    return None


def _write_marker(folder, state):
    part = os.path.join(folder, MARKER + ".part")
    with open(part, "w", encoding="utf-8") as fh:
        fh.write(f"{SIGNATURE}\n{state}\n")
    os.replace(part, os.path.join(folder, MARKER))  # a marker is whole or absent


def _remove(folder):
    """Remove the marked folder ``folder``, its marker last; it is never restored meanwhile."""
    # A replaced report kept its owner's mode, read-only perhaps: removing needs write access.
    os.chmod(folder, stat.S_IMODE(os.stat(folder).st_mode) | stat.S_IRWXU)
    _write_marker(folder, "removing")
    for entry in os.listdir(folder):
        if entry != MARKER:
            path = os.path.join(folder, entry)
            if os.path.isdir(path) and not os.path.islink(path):
                shutil.rmtree(path)
            else:
                os.remove(path)
    os.remove(os.path.join(folder, MARKER))
    os.rmdir(folder)


def _alive(pid):
    """Whether process ``pid`` may still be writing (unknown counts as alive)."""
    if pid == os.getpid() or os.name != "posix":  # Windows' os.kill would end the process
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # e.g. another user's process
        return True
    return True


def _protected(real):
    """The root, the home folder, the current folder or one of its parents."""
    cwd = os.path.realpath(os.getcwd())
    home = os.path.realpath(os.path.expanduser("~"))
    return (os.path.dirname(real) == real or real == home or cwd == real
            or cwd.startswith(real.rstrip(os.sep) + os.sep))


def _check_protected(real, shown):
    if _protected(real):
        raise OutputError(f"will not write a report over {shown!r}: it is the current folder, "
                          "a parent of it, the home folder or the root; choose a new folder "
                          "(-o), e.g. diffkit-report")


def _check_replaceable(real, shown):
    _check_protected(real, shown)
    if not os.path.lexists(real):
        return
    if not os.path.isdir(real):
        raise OutputError(f"{shown!r} exists and is not a folder; choose another output "
                          "folder (-o)")
    if os.listdir(real) and read_marker(real) is None:
        raise OutputError(f"{shown!r} is not empty and diffkit did not write it (it has no "
                          f"{MARKER} file); choose another output folder (-o) or a new or "
                          "empty one")


def _leftovers(real):
    """``(kind, path)`` of every leftover of a dead writer to ``real``.

    A leftover holds the marker, or (a run killed just after creating the
    folder, or just before removing it) nothing but the start of a marker:
    removing such a folder loses nothing.
    """
    parent, name = os.path.split(real)
    pattern = re.compile(rf"\.{re.escape(name)}\.diffkit-(tmp|old)-(\d+)-\d+")
    for entry in sorted(os.listdir(parent)):
        match = pattern.fullmatch(entry)
        path = os.path.join(parent, entry)
        if not match or os.path.islink(path) or _alive(int(match.group(2))):
            continue
        try:
            ours = _bare(path) or read_marker(path) is not None
        except OSError:  # not a folder, or not ours to read
            continue
        if ours:
            yield match.group(1), path


def _bare(folder):
    """Whether ``folder`` holds nothing, or only the start of a marker being written."""
    entries = os.listdir(folder)
    if entries != [MARKER + ".part"]:
        return not entries
    with open(os.path.join(folder, entries[0]), "rb") as fh:
        text = fh.read(len(SIGNATURE) + 20)
    return any(f"{SIGNATURE}\n{state}\n".encode().startswith(text) for state in _STATES)


def _recover(real):
    """Restore or remove what interrupted writes to the folder ``real`` left beside it."""
    for kind, path in _leftovers(real):
        if kind == "old" and read_marker(path) == "complete" and not os.path.lexists(real):
            os.rename(path, real)  # killed between the two renames: the old report returns
        else:
            try:
                _remove(path)
            except OSError as err:
                raise OutputError(f"cannot remove {path!r}, left by an interrupted run "
                                  f"({err.strerror or err}); delete it and run again") from err


def _sibling(real, kind):
    parent, name = os.path.split(real)
    n = 0
    while os.path.lexists(path := os.path.join(parent, f".{name}.diffkit-{kind}-"
                                                        f"{os.getpid()}-{n}")):
        n += 1
    return path


def _move_into_place(tmp, real, shown):
    """Replace ``real`` by the complete folder ``tmp``: two renames, the old folder removed last."""
    _check_replaceable(real, shown)  # again: the folder may have changed during the run
    try:
        if os.path.lexists(real):
            os.chmod(tmp, stat.S_IMODE(os.stat(real).st_mode))
        if not os.path.lexists(real) or not os.listdir(real):
            os.replace(tmp, real)  # atomic, also over an empty folder
            return
        old = _sibling(real, "old")
        os.rename(real, old)
        try:
            os.rename(tmp, real)
        except BaseException:
            os.rename(old, real)  # put the previous report back
            raise
    except OSError as err:
        raise OutputError(f"could not move the new report into {shown!r} "
                          f"({err.strerror or err}); the previous one is kept") from err
    with contextlib.suppress(OSError):  # the new report is in place; a leftover is recovered later
        _remove(old)


@contextlib.contextmanager
def replacing_folder(folder):
    """Yield a new temporary folder that replaces ``folder`` when the block succeeds.

    Refuses (:class:`~diffkit.errors.OutputError`) before anything is written
    if ``folder`` may not be replaced; first recovers leftovers of interrupted
    writes to it.  If the block raises, the temporary folder is removed and
    ``folder`` is left as it was.

    Examples
    --------
    >>> import os, tempfile
    >>> out = os.path.join(tempfile.mkdtemp(), "report")
    >>> with replacing_folder(out) as tmp:
    ...     with open(os.path.join(tmp, "index.md"), "w") as fh:
    ...         _ = fh.write("# results")
    >>> sorted(os.listdir(out)), read_marker(out)
    (['.diffkit-report', 'index.md'], 'complete')
    >>> with replacing_folder(os.path.dirname(out)) as tmp:  # diffkit did not write it
    ...     pass
    Traceback (most recent call last):
    ...
    diffkit.errors.OutputError: ... is not empty and diffkit did not write it ...
    """
    real = os.path.realpath(folder)
    _check_protected(real, folder)  # before anything is touched, leftovers included
    try:
        os.makedirs(os.path.dirname(real), exist_ok=True)
        _recover(real)
        _check_replaceable(real, folder)
        tmp = _sibling(real, "tmp")
        os.mkdir(tmp)  # default permissions (umask), as any new folder
    except OutputError:
        raise
    except OSError as err:
        raise OutputError(f"cannot write a report at {folder!r}: {err.strerror or err}") \
            from err
    try:
        _write_marker(tmp, "writing")
        yield tmp
        _write_marker(tmp, "complete")
        _move_into_place(tmp, real, folder)
    finally:
        if os.path.lexists(tmp):
            with contextlib.suppress(OSError):  # else recovered by a later run
                _remove(tmp)
