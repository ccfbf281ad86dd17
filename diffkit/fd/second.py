"""Second derivatives by finite differences: Hessians and Hessian-vector products.

Two ways to a Hessian:

* ``"second"``: second differences of f.  Central (the default for the
  forward, backward and central schemes use their own direction):
  ``H_ii = (f(x+h_i) - 2f(x) + f(x-h_i)) / h_i^2`` and
  ``H_ij = (f(x+h_i+h_j) - f(x+h_i-h_j) - f(x-h_i+h_j) + f(x-h_i-h_j)) / 4h_ih_j``:
  2d^2 + 1 evaluations; one-sided: 1 + d + d(d+1)/2 evaluations.
* ``"gradient"``: central differences of the scheme's own finite-difference
  gradient, symmetrized: 2d times the gradient's evaluations.  The default
  for central4, richardson and complex (complex step inside, central
  differences outside).

A Hessian-vector product differences the finite-difference gradient along v:
``(g(x + hv) - g(x - hv)) / 2h`` (one-sided for the forward and backward
schemes).
"""
import numpy as np

from .schemes import EPS, first_derivatives, steps

#: Relative steps of second differences (error h^2 + eps/h^2 for central).
SECOND_BASE = {"central": EPS ** 0.25, "forward": EPS ** (1 / 3), "backward": EPS ** (1 / 3)}


def default_mode(scheme):
    """Which Hessian rule a scheme uses unless told: "second" or "gradient"."""
    return "second" if scheme in ("forward", "backward", "central") else "gradient"


def outer_base(scheme):
    """Relative step for differencing a gradient: eps^(1/3) around an exact-to-eps
    complex-step gradient, eps^(1/4) around a real difference gradient."""
    return EPS ** (1 / 3) if scheme == "complex" else EPS ** 0.25


def hvp_evaluations(grad_evals):
    """Evaluations of one Hessian-vector product: two finite-difference gradients."""
    return 2 * grad_evals


def hessian_evaluations(scheme, mode, k, grad_evals):
    """Evaluations of one Hessian of a function of ``k`` variables.

    Examples
    --------
    >>> from diffkit.fd.second import hessian_evaluations
    >>> hessian_evaluations("central", "second", 3, 6), hessian_evaluations("forward",
    ...     "second", 3, 4), hessian_evaluations("complex", "gradient", 3, 3)
    (19, 10, 18)
    """
    if mode == "gradient":
        return 2 * k * grad_evals
    if scheme in ("forward", "backward"):
        return 1 + k + k * (k + 1) // 2
    return 2 * k * k + 1


def second_differences(F, x, columns, scheme, h, f0=None):
    """Hessian (k, k) of a scalar F by second differences (see the module notes)."""
    x = np.asarray(x, dtype=float)
    f0 = F(x)[0] if f0 is None else f0
    k = len(columns)

    def at(*moves):
        xp = x.copy()
        for j, s in moves:
            xp[columns[j]] += s * h[j]
        return F(xp)[0]

    H = np.empty((k, k))
    if scheme in ("forward", "backward"):
        s = 1.0 if scheme == "forward" else -1.0
        single = [at((j, s)) for j in range(k)]
        for i in range(k):
            for j in range(i, k):
                both = at((i, s), (j, s))
                H[i, j] = H[j, i] = (both - single[i] - single[j] + f0) / (h[i] * h[j])
        return H
    plus = [at((j, 1.0)) for j in range(k)]
    minus = [at((j, -1.0)) for j in range(k)]
    for i in range(k):
        H[i, i] = (plus[i] - 2.0 * f0 + minus[i]) / (h[i] * h[i])
        for j in range(i + 1, k):
            num = (at((i, 1.0), (j, 1.0)) - at((i, 1.0), (j, -1.0))
                   - at((i, -1.0), (j, 1.0)) + at((i, -1.0), (j, -1.0)))
            H[i, j] = H[j, i] = num / (4.0 * h[i] * h[j])
    return H


def gradient_function(F, columns, scheme, step=None, **ridders):
    """x -> the scheme's finite-difference gradient (length k) of a scalar F."""
    def g(x):
        h = steps(x, columns, scheme, step)
        return first_derivatives(F, x, columns, scheme, h, **ridders)[0][:, 0]
    return g


def gradient_differences(g, x, columns, h):
    """Hessian (k, k) as central differences of the gradient function ``g``, symmetrized."""
    x = np.asarray(x, dtype=float)
    k = len(columns)
    H = np.empty((k, k))
    for j in range(k):
        xp, xm = x.copy(), x.copy()
        xp[columns[j]] += h[j]
        xm[columns[j]] -= h[j]
        H[:, j] = (g(xp) - g(xm)) / (2.0 * h[j])
    return 0.5 * (H + H.T)


def hvp(g, x, columns, v, scheme, step=None):
    """H v from differences of the gradient function ``g`` along ``v`` (length k)."""
    x = np.asarray(x, dtype=float)
    v = np.asarray(v, dtype=float)
    vmax = float(np.max(np.abs(v))) if v.size else 0.0
    vmax = vmax if vmax > 0.0 else 1.0  # v = 0: H v = 0 still costs the same evaluations
    if step is None:
        h = outer_base(scheme) * max(1.0, float(np.max(np.abs(x[columns])))) / vmax
    else:
        h = float(step)
    direction = np.zeros_like(x)
    direction[columns] = v
    if scheme in ("forward", "backward"):
        s = 1.0 if scheme == "forward" else -1.0
        return s * (g(x + s * h * direction) - g(x)) / h
    return (g(x + h * direction) - g(x - h * direction)) / (2.0 * h)
