"""Plots a person would rather look at than read."""

from pathlib import Path

import numpy as np

from jaxmag._validate import check_int
from jaxmag.io._atomic import atomic_write

REFERENCE_MARKERS: int = 25
"""About how many markers :func:`plot_m_avg` puts on a reference curve."""


def plot_m_avg(path, ts, m_avg, *, reference=None, title: str = "") -> Path:
    """Plot ⟨mx⟩, ⟨my⟩, ⟨mz⟩ against time (ns) to a PNG, atomically.

    **Arguments:**

    - `path`: output PNG.
    - `ts`: times in s; `m_avg`: ``(T, 3)``.
    - `reference`: optional ``{'t_s', 'mx', 'my', 'mz', 'label'}``, drawn under the run
      as a thick light line with open circles at about :data:`REFERENCE_MARKERS` of its
      points, so that it stays visible where the two agree to the line width; the run is
      a thin line on top. The legend says which is which.
    - `title`: the figure title.
    """
    fig, ax = _figure(figsize=(8, 4.5), dpi=120)
    colors = {"mx": "tab:blue", "my": "tab:orange", "mz": "tab:green"}
    for i, k in enumerate(("mx", "my", "mz")):
        if reference is not None:
            t_ref = np.asarray(reference["t_s"]) * 1e9
            ax.plot(
                t_ref,
                reference[k],
                color=colors[k],
                lw=6,
                alpha=0.35,
                marker="o",
                markevery=max(1, len(t_ref) // REFERENCE_MARKERS),
                ms=7,
                mfc="white",
                zorder=1,
                label=f"⟨{k}⟩ {reference.get('label', 'reference')} (thick light line, circles)",
            )
        ax.plot(
            np.asarray(ts) * 1e9,
            np.asarray(m_avg)[:, i],
            color=colors[k],
            lw=1.2,
            zorder=3,
            label=f"⟨{k}⟩ jaxmag" + (" (thin line)" if reference is not None else ""),
        )
    ax.set_xlabel("t (ns)")
    ax.set_ylabel("⟨m⟩")
    ax.set_ylim(-1.05, 1.05)
    ax.grid(alpha=0.3)
    ax.legend(ncol=2, fontsize=8)
    ax.set_title(title)
    fig.tight_layout()
    with atomic_write(path, "wb") as f:
        fig.savefig(f, format="png")
    return Path(path)


def _save_png(fig, path) -> Path:
    fig.tight_layout()
    with atomic_write(path, "wb") as f:
        fig.savefig(f, format="png")
    return Path(path)


def _figure(nrows: int = 1, ncols: int = 1, **kwargs):
    """A matplotlib ``Figure`` and its axes, outside pyplot: the plots here only write
    files, so they neither choose a backend (which would stop a notebook's inline
    figures) nor register figures with pyplot."""
    from matplotlib.figure import Figure

    fig = Figure(**kwargs)
    return fig, fig.subplots(nrows, ncols)


def plot_hysteresis(path, loop, *, title: str = "") -> Path:
    """Plot a hysteresis loop, ``m_par`` against μ0H in mT, to a PNG, atomically.

    The descending and ascending branches are drawn in two colours and the coercive
    fields (:func:`jaxmag.statics.coercivity`) are marked.

    **Arguments:**

    - `path`: output PNG.
    - `loop`: a :class:`jaxmag.statics.Loop` (or anything with 1D `B` in T and
      `m_par`, of equal length >= 2).
    - `title`: the figure title.
    """
    from jaxmag.statics._hysteresis import coercivity

    B = np.asarray(loop.B, dtype=float)
    y = np.asarray(loop.m_par, dtype=float)
    if B.ndim != 1 or B.shape != y.shape or B.size < 2:
        raise ValueError(
            f"loop.B and loop.m_par must be 1D of equal length >= 2, got {B.shape}, {y.shape}"
        )
    if not (np.all(np.isfinite(B)) and np.all(np.isfinite(y))):
        raise ValueError("loop.B and loop.m_par must be finite")
    c = coercivity(loop)
    fig, ax = _figure(figsize=(6.5, 4.5), dpi=120)
    sign = np.sign(np.diff(B))
    styles = {-1: ("tab:blue", "descending"), 1: ("tab:red", "ascending")}
    labelled = set()
    start = 0
    for i in range(1, len(sign) + 1):  # runs of segments with one sweep direction
        if i < len(sign) and sign[i] == sign[start]:
            continue
        if sign[start] != 0:
            color, label = styles[int(sign[start])]
            ax.plot(
                B[start : i + 1] * 1e3,
                y[start : i + 1],
                ".-",
                ms=3,
                lw=1.2,
                color=color,
                label=None if label in labelled else label,
            )
            labelled.add(label)
        start = i
    for key, color in (("B_down", "tab:blue"), ("B_up", "tab:red")):
        if np.isfinite(c[key]):
            ax.axvline(c[key] * 1e3, color=color, ls="--", lw=0.8)
            ax.plot([c[key] * 1e3], [0.0], "o", mfc="none", color=color)
    if np.isfinite(c["Bc"]):
        ax.plot([], [], "k--", lw=0.8, label=f"μ0Hc = {c['Bc'] * 1e3:.4g} mT")
    ax.axhline(0.0, color="0.5", lw=0.5)
    ax.axvline(0.0, color="0.5", lw=0.5)
    ax.set_xlabel("μ0H (mT)")
    ax.set_ylabel("⟨m⟩·ĥ")
    ax.set_ylim(-1.1, 1.1)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    ax.set_title(title)
    return _save_png(fig, path)


def plot_magnetisation_map(
    path, m, *, cell=None, title: str = "", layer: int = 0, arrows: int = 16, shade: bool = True
) -> Path:
    """Plot the in-plane magnetisation of one z-layer to a PNG, atomically.

    Colour is the in-plane angle ``atan2(my, mx)`` (hsv, with a colour bar); with `shade`
    the brightness is the in-plane magnitude ``sqrt(mx² + my²)`` (black: out of plane).
    Non-magnetic cells (``|m| = 0``) are left blank. Arrows show ``(mx, my)``, about
    `arrows` per axis.

    **Arguments:**

    - `path`: output PNG.
    - `m`: a ``(3, nx, ny, nz)`` array, or an object with `.values` (that array; an
      ``(nx, ny, nz, 3)`` array is accepted too when its first axis is not 3) and
      optionally `.cell` (e.g. a field read by :func:`jaxmag.io.ovf.read`).
    - `cell`: cell size ``(dx, dy, dz)`` in m; then the axes are in nm (else in cells).
      Defaults to `m.cell` when `m` has one.
    - `title`: the figure title.
    - `layer`: the z index to draw.
    - `arrows`: arrows per axis, about (>= 1).
    - `shade`: darken by the in-plane magnitude.
    """
    if hasattr(m, "values") and not isinstance(m, np.ndarray | dict):
        if cell is None:
            cell = getattr(m, "cell", None)
        m = m.values
    a = np.asarray(m, dtype=float)
    if a.ndim == 4 and a.shape[0] != 3 and a.shape[-1] == 3:
        a = np.moveaxis(a, -1, 0)
    if a.ndim != 4 or a.shape[0] != 3:
        raise ValueError(f"m must have shape (3, nx, ny, nz), got {a.shape}")
    if not np.all(np.isfinite(a)):
        raise ValueError("m contains NaN or inf")
    nz = a.shape[3]
    check_int("layer", layer, minimum=0, maximum=nz - 1)
    check_int("arrows", arrows)
    if cell is not None:
        cell = np.asarray(cell, dtype=float).reshape(-1)
        if cell.shape != (3,) or not np.all(np.isfinite(cell) & (cell > 0)):
            raise ValueError(f"cell must be three positive sizes (dx, dy, dz) in m, got {cell}")
    mx, my, mz = a[0, :, :, layer], a[1, :, :, layer], a[2, :, :, layer]
    nx, ny = mx.shape
    dx, dy = (cell[0] * 1e9, cell[1] * 1e9) if cell is not None else (1.0, 1.0)
    unit = "nm" if cell is not None else "cells"

    import matplotlib
    from matplotlib.cm import ScalarMappable
    from matplotlib.colors import Normalize

    norm = Normalize(-np.pi, np.pi)
    cmap = matplotlib.colormaps["hsv"]
    rgba = cmap(norm(np.arctan2(my, mx)))
    inplane = np.hypot(mx, my)
    if shade:
        rgba[..., :3] *= np.clip(inplane, 0.0, 1.0)[..., None]
    rgba[..., 3] = np.where(mx**2 + my**2 + mz**2 > 0, 1.0, 0.0)
    fig, ax = _figure(figsize=(7, 7 * min(max(ny * dy / (nx * dx), 0.3), 1.5)), dpi=120)
    ax.imshow(
        np.transpose(rgba, (1, 0, 2)),
        origin="lower",
        extent=(0, nx * dx, 0, ny * dy),
        interpolation="nearest",
    )
    sx, sy = max(1, -(-nx // arrows)), max(1, -(-ny // arrows))
    ix, iy = np.arange(sx // 2, nx, sx), np.arange(sy // 2, ny, sy)
    X, Y = np.meshgrid((ix + 0.5) * dx, (iy + 0.5) * dy, indexing="ij")
    U, V = mx[np.ix_(ix, iy)], my[np.ix_(ix, iy)]
    spacing = min(sx * dx, sy * dy)
    ax.quiver(X, Y, U, V, angles="xy", scale_units="xy", scale=1 / (0.8 * spacing), pivot="mid")
    bar = fig.colorbar(ScalarMappable(norm=norm, cmap=cmap), ax=ax, shrink=0.8)
    bar.set_label("in-plane angle atan2(my, mx) (rad)")
    bar.set_ticks([-np.pi, -np.pi / 2, 0, np.pi / 2, np.pi], labels=["−π", "−π/2", "0", "π/2", "π"])
    ax.set_xlabel(f"x ({unit})")
    ax.set_ylabel(f"y ({unit})")
    ax.set_aspect("equal")
    ax.set_title(title or f"layer z = {layer}")
    return _save_png(fig, path)


def plot_sp2(path, d_lex, m_remanent, Hc_over_Ms, *, Hs_over_Ms=None, limit=None) -> Path:
    """µMAG SP2 against the bar's width: the remanent ``⟨mx⟩``, ``⟨my⟩`` and the coercive
    (and switching) field in units of Ms, with the small-particle limit ``limit``
    (``Hc/Ms`` at d → 0) marked; written as a PNG to `path` (atomically)."""
    d = np.asarray(d_lex, dtype=float)
    m = np.asarray(m_remanent, dtype=float).reshape(-1, 3)
    fig, (ax1, ax2) = _figure(1, 2, figsize=(10, 4))
    ax1.plot(d, m[:, 0], "o-", label=r"$\langle m_x \rangle$")
    ax1.plot(d, m[:, 1], "s-", label=r"$\langle m_y \rangle$")
    ax1.set_xlabel(r"$d / l_{ex}$")
    ax1.set_ylabel("remanent magnetisation")
    ax1.legend()
    ax2.plot(d, Hc_over_Ms, "o-", label=r"$H_c / M_s$")
    if Hs_over_Ms is not None:
        ax2.plot(d, Hs_over_Ms, "x--", label=r"$H_s / M_s$ (switching)")
    if limit is not None:
        ax2.axhline(limit, color="k", lw=0.8, ls=":", label=f"small-particle limit {limit:.5f}")
    ax2.set_xlabel(r"$d / l_{ex}$")
    ax2.set_ylabel("field / Ms")
    ax2.legend()
    fig.suptitle("µMAG standard problem 2")
    return _save_png(fig, path)
