"""Small fixes: `switching predict` writes in_domain as 0/1, the PINN trainer runs
exactly the asked number of steps, the SP4 plot keeps the reference visible."""

import equinox as eqx
import jax
import jax.numpy as jnp
import matplotlib
import matplotlib.image as mpimg
import matplotlib.style
import numpy as np

from jaxmag.cli._switching import _write_predictions
from jaxmag.io import read_csv
from jaxmag.ml.pinn._train import train
from jaxmag.plot import plot_m_avg


def test_predictions_write_in_domain_as_an_integer(tmp_path):
    cols = {"h": [0.5, 1.5], "p_switch": [0.25, 0.75], "in_domain": np.array([True, False])}
    _write_predictions(tmp_path / "p.csv", cols)
    lines = (tmp_path / "p.csv").read_text().splitlines()
    assert lines[0] == "h,p_switch,in_domain"
    assert [s.rsplit(",", 1)[1] for s in lines[1:]] == ["1", "0"]
    assert lines[1].split(",")[1] == "2.5000000000e-01"
    assert read_csv(tmp_path / "p.csv")["in_domain"].tolist() == [1.0, 0.0]


def _loss(model, x):
    return jnp.mean((jax.vmap(model)(x) - 2 * x) ** 2)


def _sample(key):
    return jax.random.uniform(key, (8, 1))


def test_pinn_trainer_runs_exactly_the_steps_asked():
    model = eqx.nn.Linear(1, 1, key=jax.random.key(0))
    _, hist = train(_loss, model, _sample, key=jax.random.key(1), adam_steps=7,
                    lbfgs_steps=5, chunk=3)  # fmt: skip
    assert hist["step"] == [3, 6, 7, 10, 12]
    assert hist["phase"] == ["adam"] * 3 + ["lbfgs"] * 2
    # a multiple of chunk: the same rounds as before
    _, hist = train(_loss, model, _sample, key=jax.random.key(1), adam_steps=0,
                    lbfgs_steps=6, chunk=3)  # fmt: skip
    assert hist["step"] == [3, 6]


def _light_pixels(png, rgb):
    """Pixels of the colour `rgb` drawn at alpha 0.35 on white."""
    img = mpimg.imread(png)[..., :3]
    target = 1 - 0.35 * (1 - np.asarray(rgb))
    return int(np.sum(np.all(np.abs(img - target) < 0.03, axis=-1)))


def test_sp4_plot_reference_stays_visible(tmp_path):
    ts = np.linspace(0, 1e-9, 201)
    m = np.stack([np.cos(1e10 * ts), np.sin(1e10 * ts), 0 * ts], 1)
    ref = {"t_s": ts, "mx": m[:, 0], "my": m[:, 1], "mz": m[:, 2], "label": "OOMMF"}
    # on a white background, whatever style an earlier import left in rcParams
    with matplotlib.style.context("default"):
        png = plot_m_avg(tmp_path / "a.png", ts, m, reference=ref)  # the curves coincide
        alone = plot_m_avg(tmp_path / "b.png", ts, m)
    blue = (0x1F / 255, 0x77 / 255, 0xB4 / 255)  # tab:blue, ⟨mx⟩
    # the light band shows (~7400 pixels); antialiased edges alone give ~200 (the old
    # plot, a dashed reference line over ours: ~150)
    assert _light_pixels(png, blue) > 10 * max(_light_pixels(alone, blue), 100)
