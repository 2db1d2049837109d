"""Plots a person would rather look at than read."""

from pathlib import Path

import numpy as np

from .io.atomic import atomic_write


def plot_m_avg(path, ts, m_avg, *, reference=None, title: str = "") -> Path:
    """Plot ⟨mx⟩, ⟨my⟩, ⟨mz⟩ against time (ns) to a PNG, atomically.

    **Arguments:**

    - `path`: output PNG.
    - `ts`: times in s; `m_avg`: ``(T, 3)``.
    - `reference`: optional ``{'t_s', 'mx', 'my', 'mz', 'label'}`` drawn dashed.
    - `title`: the figure title.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 4.5), dpi=120)
    colors = {"mx": "tab:blue", "my": "tab:orange", "mz": "tab:green"}
    for i, k in enumerate(("mx", "my", "mz")):
        ax.plot(
            np.asarray(ts) * 1e9, np.asarray(m_avg)[:, i], color=colors[k], label=f"⟨{k}⟩ jaxmag"
        )
        if reference is not None:
            ax.plot(
                np.asarray(reference["t_s"]) * 1e9,
                reference[k],
                "--",
                color=colors[k],
                alpha=0.7,
                lw=1.2,
                label=f"⟨{k}⟩ {reference.get('label', 'reference')}",
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
    plt.close(fig)
    return Path(path)
