"""Difference schemes for first derivatives, their default steps and error estimates.

Every scheme works on a vector function ``F(x) -> ndarray`` of a packed
input vector and differentiates along the coordinates ``columns``:

==========  ==================================================  =====  =================
scheme      formula (step h along e_j)                          order  evaluations
==========  ==================================================  =====  =================
forward     (F(x + h) - F(x)) / h                               1      d + 1
backward    (F(x) - F(x - h)) / h                               1      d + 1
central     (F(x + h) - F(x - h)) / 2h                          2      2d
central4    (F(x-2h) - 8F(x-h) + 8F(x+h) - F(x+2h)) / 12h       4      4d
complex     Im F(x + ih) / h                                    2      d (complex)
richardson  central differences at h, h/2, ... extrapolated     2L     2dL (L levels)
==========  ==================================================  =====  =================

Default steps follow the rule of thumb that balances truncation against
round-off, scaled by the size of each coordinate: ``h_j = b * max(|x_j|, 1)``
with ``b`` = eps^(1/2) (forward, backward), eps^(1/3) (central), eps^(1/5)
(central4) and 1e-20 (complex step: no subtraction, so no round-off limit).
Real steps are rounded so that ``x + h`` is exactly representable.
"""
import numpy as np

from ..errors import DiffkitError

EPS = float(np.finfo(float).eps)

#: scheme -> (offsets, weights, order, step base); derivative = sum w F(x + o h) / h.
STENCILS = {
    "forward": ((0, 1), (-1.0, 1.0), 1, EPS ** 0.5),
    "backward": ((-1, 0), (-1.0, 1.0), 1, EPS ** 0.5),
    "central": ((-1, 1), (-0.5, 0.5), 2, EPS ** (1 / 3)),
    "central4": ((-2, -1, 1, 2), (1 / 12, -8 / 12, 8 / 12, -1 / 12), 4, EPS ** 0.2),
}
SCHEMES = tuple(STENCILS) + ("complex", "richardson")
COMPLEX_STEP = 1e-20
#: Richardson (Ridders) defaults: first step base, shrink factor per level, levels.
RICHARDSON = {"first_step": 0.05, "shrink": 2.0, "levels": 7}


def check_scheme(scheme):
    if scheme not in SCHEMES:
        raise DiffkitError(f"unknown finite-difference scheme {scheme!r}; choose one of "
                           f"{', '.join(SCHEMES)}")
    return scheme


def order(scheme):
    """Order of the truncation error (richardson: of its first level, 2)."""
    return STENCILS[scheme][2] if scheme in STENCILS else 2


def step_base(scheme):
    """Relative step of the rule of thumb: eps^(1/2), eps^(1/3), eps^(1/5), 1e-20..."""
    if scheme == "complex":
        return COMPLEX_STEP
    if scheme == "richardson":
        return RICHARDSON["first_step"]
    return STENCILS[check_scheme(scheme)][3]


def evaluations(scheme, k, levels=None):
    """Function evaluations for a first derivative along ``k`` coordinates.

    Examples
    --------
    >>> from diffkit.fd.schemes import evaluations
    >>> [evaluations(s, 10) for s in ("forward", "central", "central4", "complex")]
    [11, 20, 40, 10]
    """
    if scheme == "complex":
        return k
    if scheme == "richardson":
        return 2 * k * (levels or RICHARDSON["levels"])
    offsets = STENCILS[check_scheme(scheme)][0]
    return k * sum(o != 0 for o in offsets) + (0 in offsets)


def steps(x, columns, scheme, step=None, base=None):
    """Step per coordinate: the user's ``step`` (scalar or one per coordinate), or the
    default ``base * max(|x_j|, 1)``; real steps rounded so that x + h is exact."""
    xc = np.asarray(x, dtype=float)[columns]
    if step is None:
        h = (step_base(scheme) if base is None else base) * np.maximum(np.abs(xc), 1.0)
    else:
        h = np.ravel(np.asarray(step, dtype=float))
        if h.size == 1:
            h = np.full(len(columns), h[0])
        if h.size != len(columns):
            raise DiffkitError(f"step has {h.size} entries but {len(columns)} coordinates "
                               "are differentiated; pass a scalar or one step per coordinate")
        if np.any(~(h > 0)):
            raise DiffkitError(f"steps must be positive, got {step!r}")
    if scheme != "complex":
        h = (xc + h) - xc
        if np.any(h == 0):
            raise DiffkitError("a step is below the spacing of floats at x (x + h == x); "
                               "use a larger step")
    return h


def _stencil(F, x, columns, h, offsets, weights, f0):
    out = None
    for o, w in zip(offsets, weights):
        for j, (c, hj) in enumerate(zip(columns, h)):
            if o == 0:
                value = f0
            else:
                xp = x.copy()
                xp[c] += o * hj
                value = F(xp)
            if out is None:
                out = np.zeros((len(columns), np.size(value)))
            out[j] += w * value / hj
    return out


def first_derivatives(F, x, columns, scheme, h, f0=None, levels=None, shrink=None):
    """Derivatives of ``F`` along ``columns``: ``(D, f0, error)``.

    ``D`` has one row per coordinate and one column per output entry; ``f0``
    is F(x) when the scheme computed it (else None); ``error`` is Richardson's
    error estimate (None for the other schemes, see :func:`error_estimate`).
    """
    x = np.asarray(x, dtype=float)
    if len(columns) == 0:  # empty inputs: nothing to perturb, no evaluation
        return np.zeros((0, F.n_outputs)), f0, None
    if scheme == "complex":
        rows, f0 = [], None
        for c, hj in zip(columns, h):
            xp = x.astype(complex)
            xp[c] += 1j * hj
            value = F(xp)
            f0 = value.real if f0 is None else f0
            rows.append(value.imag / hj)
        return np.array(rows).reshape(len(columns), -1), f0, None
    if scheme == "richardson":
        return _ridders(F, x, columns, h, levels or RICHARDSON["levels"],
                        shrink or RICHARDSON["shrink"])
    offsets, weights, _, _ = STENCILS[check_scheme(scheme)]
    if 0 in offsets and f0 is None:
        f0 = F(x)
    return _stencil(F, x, columns, h, offsets, weights, f0), f0, None


def _ridders(F, x, columns, h, levels, shrink):
    """Ridders' method: a Neville tableau of central differences at shrinking steps.

    Returns the tableau entry with the smallest error estimate per component,
    and that estimate (at least 100 eps of the largest entry: rounding the
    tableau cannot see).
    """
    xc = x[columns]
    prev, best, err = None, None, None
    offsets, weights = STENCILS["central"][:2]
    for i in range(levels):
        hi = (xc + h / shrink ** i) - xc
        row = [_stencil(F, x, columns, hi, offsets, weights, None)]
        if best is None:
            best, err = row[0], np.full(row[0].shape, np.inf)
        fac = shrink ** 2
        for j in range(1, i + 1):
            row.append((row[j - 1] * fac - prev[j - 1]) / (fac - 1.0))
            fac *= shrink ** 2
            errt = np.maximum(np.abs(row[j] - row[j - 1]), np.abs(row[j] - prev[j - 1]))
            better = errt <= err
            best, err = np.where(better, row[j], best), np.where(better, errt, err)
        prev = row
    # the tableau sees truncation, not the rounding of the extrapolated values
    return best, None, np.maximum(err, 100 * EPS * np.max(np.abs(best), axis=0, initial=0.0))


def error_estimate(F, x, columns, scheme, h, D, f0=None):
    """Estimated absolute error of ``D`` (same shape): truncation plus round-off.

    Truncation comes from the same scheme at step 2h (``|D(h) - D(2h)| /
    (2^p - 1)`` for a scheme of order p); round-off is eps |F(x)| times the
    stencil's weights over h.  Costs one more derivative's evaluations (and
    F(x) if the scheme did not compute it).
    """
    if scheme == "richardson":
        raise DiffkitError("Richardson extrapolation returns its own error estimate")
    D2, f2, _ = first_derivatives(F, x, columns, scheme, 2 * h, f0=f0)
    trunc = np.abs(D - D2) / (2 ** order(scheme) - 1)
    if scheme == "complex":
        return trunc + EPS * np.abs(D)
    if f0 is None:
        f0 = F(x)
    wsum = sum(abs(w) for w in STENCILS[scheme][1])
    return trunc + EPS * wsum * np.abs(np.ravel(f0))[None, :] / h[:, None]
