"""A one-line progress display on stderr for long loops.

Library code never prints; long runs (optimizer loops, profiler sweeps)
report through :class:`ProgressLine`, which redraws a single line in place
and stays silent unless enabled or attached to a terminal.
"""

import sys
import time

__all__ = ["ProgressLine"]


class ProgressLine:
    """Redraw one status line such as ``minimize 120/1000 loss=0.31``.

    Parameters
    ----------
    label : str
        Text shown at the start of the line.
    total : int, optional
        Number of units of work; shown as ``done/total`` when given.
    enabled : bool, optional
        Force the line on or off. ``None`` (default) shows it only when
        ``stream`` is a terminal, so logs and test output stay clean.
    stream : file-like, optional
        Where to write; ``sys.stderr`` by default.
    interval : float, optional
        Minimum seconds between redraws, so that a fast loop does not spend
        its time writing to the terminal.

    Examples
    --------
    >>> import io
    >>> out = io.StringIO()
    >>> with ProgressLine("fit", total=3, enabled=True, stream=out, interval=0) as bar:
    ...     for i in range(3):
    ...         bar.update(i + 1, loss=1.0 / (i + 1))
    >>> out.getvalue().splitlines()[-1].strip()
    'fit 3/3 loss=0.3333'
    >>> ProgressLine("quiet", enabled=False).enabled
    False
    """

    def __init__(self, label, total=None, enabled=None, stream=None, interval=0.1):
        self.label = label
        self.total = total
        self.stream = sys.stderr if stream is None else stream
        if enabled is None:
            isatty = getattr(self.stream, "isatty", None)
            enabled = bool(isatty and isatty())
        self.enabled = enabled
        self.interval = interval
        self._last_draw = -float("inf")
        self._width = 0
        self._text = ""

    def update(self, done, **fields):
        """Record progress ``done`` with named values; redraw if due.

        Parameters
        ----------
        done : int
            Units of work finished so far.
        **fields
            Values shown as ``name=value`` (floats with 4 significant digits).
        """
        if not self.enabled:
            return
        count = f"{done}/{self.total}" if self.total is not None else f"{done}"
        shown = " ".join(f"{k}={_format(v)}" for k, v in fields.items())
        self._text = f"{self.label} {count} {shown}".rstrip()
        now = time.perf_counter()
        finished = self.total is not None and done >= self.total
        if finished or now - self._last_draw >= self.interval:
            self._draw()
            self._last_draw = now

    def close(self):
        """Draw the final state and end the line."""
        if self.enabled and self._text:
            self._draw()
            self.stream.write("\n")
            self.stream.flush()
            self._text = ""

    def _draw(self):
        # Pad with spaces so a shorter line fully covers the previous one.
        pad = max(self._width - len(self._text), 0)
        self.stream.write("\r" + self._text + " " * pad)
        self.stream.flush()
        self._width = len(self._text)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


def _format(value):
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)
