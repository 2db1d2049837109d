# %% [markdown]
# # Inverse design of a spin-wave lens
#
# After SpinTorch (Papp, Porod & Csaba, *Nat. Commun.* **12**, 6422 (2021)): a plane spin
# wave crosses a magnetic film, and we *train* a map of the bias field in the middle of
# the film so that the wave is focused onto one of three output probes. The gradient
# comes from reverse-mode autodiff straight through the LLG solver
# (`jm.simulate_fixed(..., checkpoint=True)`), and Adam (optax) does the rest.
#
# The geometry, the system and the loss live in `benchmarks/spinwave_lens.py` (the
# benchmark prints the figures as JSON); here we walk through them and plot. Percent
# format: open it with jupytext, VS Code or Spyder, or run it as a script. Set
# `JAXMAG_NOTEBOOK_SMALL=1` for the small, fast version that CI executes (a smaller film
# and three training steps).

# %%
import importlib.util
import os
import sys
import time
from pathlib import Path

import jax

jax.config.update("jax_enable_x64", True)
import dataclasses

import jax.numpy as jnp
import matplotlib
import numpy as np

if "ipykernel" not in sys.modules:
    matplotlib.use("Agg")
import matplotlib.pyplot as plt
import optax

import jaxmag as jm
from jaxmag.constants import MU0

try:
    ROOT = Path(__file__).resolve().parent.parent
except NameError:  # in Jupyter, started from notebooks/
    ROOT = Path.cwd().parent
# load the benchmark under its own name (this notebook is also called spinwave_lens.py)
spec = importlib.util.spec_from_file_location(
    "spinwave_lens_bench", ROOT / "benchmarks" / "spinwave_lens.py"
)
swl = importlib.util.module_from_spec(spec)
sys.modules[spec.name] = swl
spec.loader.exec_module(swl)

small = os.environ.get("JAXMAG_NOTEBOOK_SMALL") == "1"
cfg = swl.LensConfig()  # 48 x 56 cells of 50 nm, 5 ns runs
iterations = 20
if small:
    cfg = dataclasses.replace(cfg, cells=(36, 36), absorber=6, t1=3e-9, t_avg=2e-9)
    iterations = 3
print(cfg)

# %% [markdown]
# ## The film and its spin waves
#
# A YIG-like film (Ms = 1.4e5 A/m, A = 3.5e-12 J/m, α = 1e-3), 50 nm thick and one cell
# high, in an out-of-plane bias B0 = 0.25 T. It stays saturated along z (B0 > μ0 Ms =
# 0.176 T), and its spin waves are *forward-volume* waves, isotropic in the plane. The
# dispersion (Kalinikos–Slavin, lowest mode):
#
# ω² = ωH (ωH + ωM P(kd)),  ωH = γ (H_int + λex² Ms k²),  ωM = γ Ms,
# P = 1 − (1 − e^{−kd})/(kd),
#
# with the internal field H_int = B0/μ0 − Ms in an infinite film. In this finite film the
# demagnetising factor is a little below 1, so H_int is a few kA/m higher; we read it off
# the simulation's own static field. At the 3 GHz drive the wavelength is then a little
# under 0.5 µm, about 9–10 cells.

# %%
t = time.perf_counter()
lens = swl.Lens(cfg)  # builds the system and relaxes it (m ∥ z)
print(f"setup {time.perf_counter() - t:.1f} s, max torque {float(lens.relaxed.max_torque):.1e}")
H_int = lens.internal_field()
lam_inf = swl.wavelength(cfg)
lam = swl.wavelength(cfg, H_int=H_int)
print(f"internal field {H_int:.0f} A/m (infinite film {cfg.B0 / MU0 - cfg.Ms:.0f} A/m)")
print(
    f"wavelength at {cfg.freq / 1e9:g} GHz: {lam * 1e9:.0f} nm (infinite film {lam_inf * 1e9:.0f})"
)

k = np.linspace(1e5, np.pi / cfg.cell, 400)
fig, ax = plt.subplots(figsize=(5.5, 3.5), dpi=110)
ax.plot(k * 1e-6, swl.dispersion(k, cfg, H_int=H_int) / 1e9, label="this film (grid)")
ax.plot(
    k * 1e-6, swl.dispersion(k, cfg, discrete=False) / 1e9, "--", label="infinite film, continuum"
)
for dB in (-cfg.dB_max, cfg.dB_max):
    ax.plot(
        k * 1e-6,
        swl.dispersion(k, cfg, H_int=H_int + dB / MU0) / 1e9,
        ":",
        color="gray",
        label=f"ΔB = {dB * 1e3:+.0f} mT",
    )
ax.axhline(cfg.freq / 1e9, color="k", lw=0.8)
ax.axvline(2 * np.pi / lam * 1e-6, color="k", lw=0.8)
ax.set(xlabel="k (rad/µm)", ylabel="f (GHz)", title="forward-volume spin waves")
ax.legend(fontsize=8)
fig.tight_layout()
fig.savefig("spinwave_lens_dispersion.png")

# %% [markdown]
# The trainable bias change ΔB (gray, ±10 mT) shifts the whole branch up or down: at
# a fixed frequency it changes the local wavelength, i.e. the refractive index. That is
# what makes a field map act like a lens.
#
# ## Geometry
#
# Damping ramps quadratically from 1e-3 to 0.5 over the outer frame of cells, so that
# waves are absorbed rather than reflected. A line of cells on the left carries a 1 mT
# microwave field along x (`Zeeman` with a per-cell mask times a `Sine` time profile,
# switched on over 0.3 ns); three 3 × 3-cell probes sit on the right; the trainable
# region (ΔB = dB_max tanh ρ) fills the middle.

# %%
x_nm = (np.arange(cfg.cells[0]) + 0.5) * cfg.cell * 1e9
y_nm = (np.arange(cfg.cells[1]) + 0.5) * cfg.cell * 1e9
extent = (0, cfg.cells[0] * cfg.cell * 1e6, 0, cfg.cells[1] * cfg.cell * 1e6)


def outline(ax, mask, **kw):
    ax.contour(x_nm / 1e3, y_nm / 1e3, mask.T.astype(float), levels=[0.5], **kw)


def decorate(ax):
    outline(ax, lens.source, colors="tab:red", linewidths=1.5)
    outline(ax, lens.lens, colors="deepskyblue", linewidths=1, linestyles="--")
    for p in range(3):
        c = "lime" if p == cfg.target else "deepskyblue"
        outline(ax, lens.probes[p], colors=c, linewidths=1.5)
    ax.set(xlabel="x (µm)", ylabel="y (µm)")


fig, ax = plt.subplots(figsize=(5, 5), dpi=110)
im = ax.imshow(lens.alpha.T, origin="lower", extent=extent, cmap="Greys", norm="log")
decorate(ax)
ax.set_title("damping α: source (red), lens (dashed),\nprobes (blue; the target green)", fontsize=9)
fig.colorbar(im, ax=ax, shrink=0.8)
fig.tight_layout()
fig.savefig("spinwave_lens_geometry.png")

# %% [markdown]
# ## The loss, through the solver
#
# `lens.with_params(rho)` puts the field map into the system's last Zeeman term with
# `eqx.tree_at`. We integrate with Heun at a fixed 5 ps step (well below the stability
# bound 2/(γ H_max) ≈ 37 ps), keep snapshots every 10 steps, and average the spin-wave
# intensity (mx − mx,eq)² + (my − my,eq)² over the last part of the run. With
# `checkpoint=True` reverse mode keeps one state per save, not one per step.


# %%
def loss(rho):
    traj = jm.simulate_fixed(
        lens.with_params(rho),
        lens.m_eq,
        cfg.dt,
        lens.n_steps,
        save_every_n=cfg.save_every_n,
        save_snapshots=True,
        checkpoint=True,
    )
    dm = traj.snapshots[lens.i_avg :, :2, :, :, 0] - lens.m_eq[None, :2, :, :, 0]
    imap = jnp.mean(jnp.sum(dm**2, axis=1), axis=0)  # (nx, ny)
    I = lens.probe_intensities(imap)
    return -jnp.log(I[cfg.target] / jnp.sum(I)), (I, imap, traj.snapshots[-1])


opt = optax.adam(0.3)


@jax.jit
def step(rho, state):
    (value, aux), g = jax.value_and_grad(loss, has_aux=True)(rho)
    updates, state = opt.update(g, state, rho)
    return optax.apply_updates(rho, updates), state, value, aux


rho = jnp.zeros(cfg.cells)
state = opt.init(rho)
history, walls = [], []
for it in range(iterations):
    t = time.perf_counter()
    rho_next, state, value, (I, imap, m_last) = jax.block_until_ready(step(rho, state))
    walls.append(time.perf_counter() - t)
    if it == 0:
        imap_before, m_before, I_before = imap, m_last, np.asarray(I)
    history.append(float(value))
    print(f"iteration {it:2d}: loss {float(value):.4f}, {walls[-1]:.1f} s")
    rho = rho_next
print(f"first step (with compile) {walls[0]:.1f} s, then {np.median(walls[1:]):.1f} s each")

value, (I_after, imap_after, m_after) = jax.jit(loss)(rho)
I_after = np.asarray(I_after)
print("probe intensities before:", I_before, "\n                   after: ", I_after)
print("before:", swl.ratios(I_before, cfg.target))
print("after: ", swl.ratios(I_after, cfg.target))

# %% [markdown]
# ## Before and after
#
# Top: the trained field map and the loss. Bottom: the time-averaged intensity without
# the lens and with it (same colour scale), and a snapshot of mx with the lens.

# %%
dB_map = np.asarray(lens.field_map(rho)) * 1e3
vmax = float(max(np.max(imap_before), np.max(imap_after)))
fig, axs = plt.subplots(2, 2, figsize=(10, 9), dpi=100)
im = axs[0, 0].imshow(dB_map.T, origin="lower", extent=extent, cmap="PuOr", vmin=-10, vmax=10)
decorate(axs[0, 0])
axs[0, 0].set_title("trained ΔB (mT)")
fig.colorbar(im, ax=axs[0, 0], shrink=0.8)
axs[0, 1].plot(history, "o-")
axs[0, 1].set(xlabel="iteration", ylabel="−log(I_target / ΣI)", title="loss", yscale="log")
for ax, imap, name in ((axs[1, 0], imap_before, "no lens"), (axs[1, 1], imap_after, "trained")):
    im = ax.imshow(np.asarray(imap).T, origin="lower", extent=extent, cmap="inferno", vmax=vmax)
    decorate(ax)
    ax.set_title(f"intensity ⟨δm⊥²⟩, {name}")
    fig.colorbar(im, ax=ax, shrink=0.8)
fig.tight_layout()
fig.savefig("spinwave_lens_training.png")

fig, axs = plt.subplots(1, 2, figsize=(10, 4.5), dpi=100)
for ax, m, name in ((axs[0], m_before, "no lens"), (axs[1], m_after, "trained")):
    a = float(np.max(np.abs(np.asarray(m_after[0]))))
    ax.imshow(
        np.asarray(m[0, :, :, 0]).T, origin="lower", extent=extent, cmap="RdBu", vmin=-a, vmax=a
    )
    decorate(ax)
    ax.set_title(f"mx at t = {lens.n_steps * cfg.dt * 1e9:g} ns, {name}")
fig.tight_layout()
fig.savefig("spinwave_lens_waves.png")
print("wrote spinwave_lens_{dispersion,geometry,training,waves}.png")
