"""Inverse design of a spin-wave lens (after SpinTorch, Papp et al., Nat. Commun. 12, 6422
(2021)): train a bias-field map so that a plane spin wave is focused onto one of three
output probes, by reverse mode through the fixed-step LLG solver.

    python benchmarks/spinwave_lens.py            # 48 x 56 cells, 20 iterations, ~2-3 min
    python benchmarks/spinwave_lens.py --out lens.npz   # also keep the maps
    python benchmarks/spinwave_lens.py --quick    # smoke run, 36 x 36 cells, 2 iterations

A YIG-like film (one cell thick) is magnetised out of plane, so the spin waves are
forward-volume waves, isotropic in the plane. A line of cells on the left is driven by
a microwave field; the damping ramps up to 0.5 at the edges, which absorb the waves.
The trained parameter is an out-of-plane bias-field map in the central region,
``dB(x, y) = dB_max tanh(rho)``: it changes the local wavelength, like a lens. The loss
is ``-log(I_target / sum I)`` over the three probes, with ``I`` the time-averaged
spin-wave intensity ``(mx - mx_eq)² + (my - my_eq)²`` over the last part of the run.

The last line of output is one JSON object with the figures.
"""

import argparse
import dataclasses
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))


@dataclasses.dataclass(frozen=True)
class LensConfig:
    """The demo's parameters (SI units)."""

    cells: tuple[int, int] = (48, 56)  # nx, ny (nz = 1)
    cell: float = 50e-9  # in-plane cell size, m
    thickness: float = 50e-9  # film thickness = cell height, m
    Ms: float = 1.4e5  # A/m (YIG)
    A: float = 3.5e-12  # J/m
    alpha: float = 1e-3  # inside
    alpha_edge: float = 0.5  # at the outer edge of the absorbing frame
    absorber: int = 8  # width of the absorbing frame, cells
    B0: float = 0.25  # out-of-plane bias, T (internal field B0 - mu0 Ms = 74 mT)
    freq: float = 3e9  # drive frequency, Hz
    b_rf: float = 1e-3  # drive amplitude (in-plane, along x), T
    ramp: float = 0.3e-9  # drive switch-on time (tanh), s
    dB_max: float = 10e-3  # largest trained bias change, T
    dt: float = 5e-12  # time step, s (Heun)
    t1: float = 5e-9  # run length, s
    t_avg: float = 3.5e-9  # average the intensity over [t_avg, t1], s
    steps_per_save: int = 10  # steps between saved snapshots (save_every = dt * this)
    target: int = 0  # probe to focus on (0: lower, 1: centre, 2: upper)


def dispersion(k, cfg: LensConfig, *, H_int=None, discrete: bool = True):
    """Forward-volume spin-wave frequency (Hz) at wavenumber ``k`` (rad/m) for a film of
    ``cfg.thickness`` (Kalinikos–Slavin, lowest mode, uniform profile): ``ω² = ωH (ωH +
    ωM P(kd))``, ``ωH = γ (H_int + λex Ms k²)``, ``ωM = γ Ms``, ``P = 1 - (1 -
    e^{-kd})/(kd)``, ``λex = 2A/(μ0 Ms²)``. ``H_int`` is the static internal field in
    A/m, by default that of an infinite film, ``B0/μ0 - Ms``. With ``discrete``, ``k²`` in
    the exchange term is that of the 5-point stencil, ``(2/Δ)² sin²(kΔ/2)``."""
    import numpy as np

    from jaxmag.constants import GAMMA_LL, MU0

    k = np.asarray(k, dtype=float)
    H_int = cfg.B0 / MU0 - cfg.Ms if H_int is None else H_int
    lex2 = 2 * cfg.A / (MU0 * cfg.Ms**2)
    k2 = (2 / cfg.cell * np.sin(k * cfg.cell / 2)) ** 2 if discrete else k**2
    wH = GAMMA_LL * (H_int + lex2 * cfg.Ms * k2)
    wM = GAMMA_LL * cfg.Ms
    kd = k * cfg.thickness
    P = 1 - (1 - np.exp(-kd)) / kd
    return np.sqrt(wH * (wH + wM * P)) / (2 * np.pi)


def wavelength(cfg: LensConfig, *, H_int=None, discrete: bool = True) -> float:
    """The wavelength (m) at the drive frequency from :func:`dispersion` (bisection)."""
    import numpy as np

    def f(k):
        return dispersion(k, cfg, H_int=H_int, discrete=discrete)

    lo, hi = 1e3, np.pi / cfg.cell
    if not f(lo) < cfg.freq < f(hi):
        raise ValueError(f"no propagating forward-volume wave at {cfg.freq:g} Hz")
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if f(mid) < cfg.freq else (lo, mid)
    return float(2 * np.pi / (0.5 * (lo + hi)))


class Lens:
    """The geometry, the system and the relaxed state of the demo.

    Attributes: ``mesh``, ``system`` (exchange, demag, bias Zeeman, drive, and a trainable
    Zeeman term ``system.terms[-1]`` whose per-cell field the loss replaces), ``m_eq``,
    boolean maps ``source``, ``lens`` (trainable region), ``absorber``, ``probes`` (3,
    nx, ny), scalar map ``alpha``, and ``n_steps``, ``i_avg`` (first averaged save).
    """

    def __init__(self, cfg: LensConfig):
        import jax.numpy as jnp
        import numpy as np

        import jaxmag as jm
        from jaxmag.constants import MU0

        self.cfg = cfg
        nx, ny = cfg.cells
        w = cfg.absorber
        self.mesh = mesh = jm.Mesh((nx, ny, 1), (cfg.cell, cfg.cell, cfg.thickness))
        # absorbing frame: alpha rises quadratically over `w` cells towards the edges
        ix, iy = np.arange(nx), np.arange(ny)
        dist = np.minimum(
            np.minimum(ix, nx - 1 - ix)[:, None], np.minimum(iy, ny - 1 - iy)[None, :]
        )
        ramp = np.clip((w - dist) / w, 0.0, 1.0) ** 2
        self.alpha = cfg.alpha + (cfg.alpha_edge - cfg.alpha) * ramp
        self.absorber = dist < w
        # source line, probes on the right, trainable region between them
        self.source_x = xs = w + 2
        xp = nx - w - 4
        sep = (ny - 2 * w) // 4
        self.source = np.zeros((nx, ny), bool)
        self.source[xs, w : ny - w] = True
        self.probes = np.zeros((3, nx, ny), bool)
        self.probe_centres = [(xp, ny // 2 + d) for d in (-sep, 0, sep)]
        for p, (x, y) in enumerate(self.probe_centres):
            self.probes[p, x - 1 : x + 2, y - 1 : y + 2] = True
        self.lens = np.zeros((nx, ny), bool)
        self.lens[xs + 3 : xp - 8, w : ny - w] = True
        if not self.lens.any() or sep < 3:
            raise ValueError(f"cells {cfg.cells} too few for absorber {w}: no room for the lens")

        mat = jm.Material(Ms=cfg.Ms, A=cfg.A, alpha=self.alpha[..., None])
        H0 = np.array([0.0, 0.0, cfg.B0 / MU0])
        h_rf = np.zeros((3, nx, ny, 1))
        h_rf[0, self.source] = cfg.b_rf / MU0
        drive = jm.Zeeman(mesh, mat, h_rf, jm.pulses.Sine(cfg.freq, 0.0, cfg.ramp))
        trained = jm.Zeeman(mesh, mat, np.zeros((3, nx, ny, 1)))
        base = jm.make_system(mesh, mat, H=H0)
        self.relaxed = jm.minimise(base, (0.0, 0.0, 1.0))
        self.m_eq = self.relaxed.m
        self.system = jm.make_system(mesh, mat, H=H0, extra_terms=(drive, trained))
        self.n_steps = int(round(cfg.t1 / cfg.dt / cfg.steps_per_save)) * cfg.steps_per_save
        n_saves = self.n_steps // cfg.steps_per_save
        self.i_avg = int(np.ceil(cfg.t_avg / (cfg.dt * cfg.steps_per_save)))
        if not 0 < self.i_avg <= n_saves:
            raise ValueError("t_avg must lie inside (0, t1]")
        self._lens_j = jnp.asarray(self.lens)
        self._probes_j = jnp.asarray(self.probes)

    def internal_field(self) -> float:
        """The static field (A/m, along z) at ``m_eq``, averaged over the lens region: in
        this finite film a little above ``B0/μ0 - Ms`` (the demag factor is below 1)."""
        import numpy as np

        Hz = np.asarray(self.system.field(self.m_eq, 0.0))[2, :, :, 0]
        return float(Hz[self.lens].mean())

    def field_map(self, rho):
        """The trained bias change in T, ``(nx, ny)``: ``dB_max tanh(rho)`` in the lens."""
        import jax.numpy as jnp

        return jnp.where(self._lens_j, self.cfg.dB_max * jnp.tanh(rho), 0.0)

    def with_params(self, rho):
        """The system with the trained field map set."""
        import equinox as eqx
        import jax.numpy as jnp

        from jaxmag.constants import MU0

        Hz = self.field_map(rho)[None, :, :, None] / MU0
        H = jnp.concatenate([jnp.zeros((2, *Hz.shape[1:]), Hz.dtype), Hz])
        return eqx.tree_at(lambda s: s.terms[-1].H, self.system, H)

    def run(self, rho, refine: int = 1, extend: int = 1):
        """The driven run with the field map of ``rho``: a :class:`jaxmag.Trajectory`
        with snapshots every ``steps_per_save`` steps. ``refine`` divides the step (the same
        save times, ``refine`` times the steps: a convergence check); ``extend``
        multiplies the run length."""
        import jaxmag as jm

        cfg = self.cfg
        return jm.simulate_fixed(
            self.with_params(rho),
            self.m_eq,
            cfg.dt / refine,
            self.n_steps * refine * extend,
            save_every=cfg.dt * cfg.steps_per_save,
            snapshots=True,
            checkpoint=True,
        )

    def intensity_map(self, rho, refine: int = 1, extend: int = 1):
        """Time-averaged ``(mx - mx_eq)² + (my - my_eq)²``, ``(nx, ny)``, over ``[t_avg,
        t1]`` (``extend = 1``), or over ``[t1, extend t1]`` (a longer, steadier window)."""
        import jax.numpy as jnp

        snaps = self.run(rho, refine, extend).snapshots
        i0 = self.i_avg if extend == 1 else self.n_steps // self.cfg.steps_per_save
        dm = snaps[i0:, :2, :, :, 0] - self.m_eq[None, :2, :, :, 0]
        return jnp.mean(jnp.sum(dm**2, axis=1), axis=0)

    def measured_wavelength(self, rho=None) -> float:
        """The wavelength (m) in the simulation: lock-in of ``mx + i my`` (the precession
        is counter-clockwise about +z) at the drive frequency over ``[t_avg, t1]``, then a
        straight-line fit of the unwrapped phase along the symmetry axis ``y = ny/2``
        between the source and the probes (no lens by default)."""
        import jax
        import jax.numpy as jnp
        import numpy as np

        cfg = self.cfg
        rho = jnp.zeros(cfg.cells) if rho is None else rho
        traj = jax.jit(self.run)(rho)
        ts = np.asarray(traj.ts)[self.i_avg :]
        m = np.asarray(traj.snapshots)[self.i_avg :, :, :, cfg.cells[1] // 2, 0]
        mp = m[:, 0] + 1j * m[:, 1]
        a = np.sum(mp * np.exp(-2j * np.pi * cfg.freq * ts)[:, None], axis=0)
        x0, x1 = self.source_x + 4, self.probe_centres[0][0] + 1
        phase = np.unwrap(np.angle(a[x0:x1]))
        slope = np.polyfit(np.arange(x0, x1) * cfg.cell, phase, 1)[0]
        return float(2 * np.pi / abs(slope))

    def probe_intensities(self, imap):
        """Mean intensity in each probe, ``(3,)``."""
        import jax.numpy as jnp

        return jnp.sum(self._probes_j * imap, axis=(1, 2)) / jnp.sum(self._probes_j, axis=(1, 2))

    def loss(self, rho):
        """``-log(I_target / ΣI)`` and the probe intensities."""
        import jax.numpy as jnp

        I = self.probe_intensities(self.intensity_map(rho))
        return -jnp.log(I[self.cfg.target] / jnp.sum(I)), I


def ratios(I, target: int) -> dict:
    """Target / mean of the others, and target fraction of the total."""
    import numpy as np

    I = np.asarray(I, dtype=float)
    others = np.delete(I, target)
    return {
        "target_over_others": float(I[target] / others.mean()),
        "target_fraction": float(I[target] / I.sum()),
    }


def train(lens: Lens, iterations: int, lr: float, *, log=print):
    """Adam on ``rho`` (starting at 0: no lens). Returns ``rho``, the loss and probe
    intensities per iteration (before each update), the compile time and per-iteration
    wall times (compile excluded)."""
    import jax
    import jax.numpy as jnp
    import optax

    opt = optax.adam(lr)

    def step(rho, state):
        (loss, I), g = jax.value_and_grad(lens.loss, has_aux=True)(rho)
        upd, state = opt.update(g, state, rho)
        return optax.apply_updates(rho, upd), state, loss, I

    rho = jnp.zeros(lens.cfg.cells)
    state = opt.init(rho)
    t = time.perf_counter()
    compiled = jax.jit(step).lower(rho, state).compile()
    compile_s = time.perf_counter() - t
    losses, Is, walls = [], [], []
    for k in range(iterations):
        t = time.perf_counter()
        rho, state, loss, I = jax.block_until_ready(compiled(rho, state))
        walls.append(time.perf_counter() - t)
        losses.append(float(loss))
        Is.append([float(v) for v in I])
        log(f"iteration {k:3d}  loss {float(loss):.4f}  I {[f'{v:.3e}' for v in Is[-1]]}")
    return rho, losses, Is, compile_s, walls


def main(argv=None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--cells", type=int, nargs=2, default=None, help="nx ny (default 48 56)")
    p.add_argument("--iterations", type=int, default=20, help="Adam iterations")
    p.add_argument("--lr", type=float, default=0.3, help="Adam learning rate (on rho)")
    p.add_argument("--target", type=int, default=0, choices=(0, 1, 2), help="target probe")
    p.add_argument("--dtype", choices=("float64", "float32"), default="float64")
    p.add_argument("--dt", type=float, default=5e-12, help="time step (s)")
    p.add_argument("--t1", type=float, default=None, help="run length (s)")
    p.add_argument("--t-avg", type=float, default=None, help="average from this time (s)")
    p.add_argument("--out", type=Path, help="write the maps and history as .npz")
    p.add_argument("--quick", action="store_true", help="smoke run: 36 x 36 cells, 2 iterations")
    args = p.parse_args(argv)

    import jax

    jax.config.update("jax_enable_x64", args.dtype == "float64")
    import jax.numpy as jnp
    import numpy as np
    from _common import conditions, emit, summary

    from jaxmag.constants import MU0

    cfg = LensConfig(target=args.target, dt=args.dt)
    if args.quick:
        cfg = dataclasses.replace(cfg, cells=(36, 36), absorber=6, t1=3e-9, t_avg=2e-9)
        args.iterations = 2
    if args.cells:
        cfg = dataclasses.replace(cfg, cells=tuple(args.cells))
    if args.t1:
        cfg = dataclasses.replace(cfg, t1=args.t1)
    if args.t_avg:
        cfg = dataclasses.replace(cfg, t_avg=args.t_avg)

    t = time.perf_counter()
    lens = Lens(cfg)
    setup_s = time.perf_counter() - t
    rho, losses, Is, compile_s, walls = train(lens, args.iterations, args.lr)
    rss_train = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    imap = jax.jit(lens.intensity_map, static_argnums=(1, 2))
    imap_before = imap(jnp.zeros(cfg.cells), 1, 1)
    imap_after = imap(rho, 1, 1)
    I_before = np.asarray(lens.probe_intensities(imap_before))
    I_after = np.asarray(lens.probe_intensities(imap_after))
    before, after = ratios(I_before, cfg.target), ratios(I_after, cfg.target)
    dB = np.asarray(lens.field_map(rho))[lens.lens]
    # checks: the trained field keeps m_eq an equilibrium (m ∥ z, all fields along z in a
    # one-layer film); halving dt leaves the probe intensities unchanged; the wavelength
    H_tr = lens.with_params(rho).field(lens.m_eq, 0.0)
    torque = float(jnp.max(jnp.linalg.norm(jnp.cross(lens.m_eq, H_tr, axis=0), axis=0)))
    H_max = float(jnp.max(jnp.linalg.norm(H_tr, axis=0))) + 16 * cfg.A / (
        MU0 * cfg.Ms * cfg.cell**2
    )
    H_int = lens.internal_field()
    figures = {
        "problem": "spin-wave lens (SpinTorch-style inverse design)",
        "target_probe": cfg.target,
        "probe_centres_cells": lens.probe_centres,
        "I_before": I_before,
        "I_after": I_after,
        "ratio_before": before,
        "ratio_after": after,
        "ratio_gain": after["target_over_others"] / before["target_over_others"],
        "loss_before": float(-np.log(before["target_fraction"])),
        "loss_after": float(-np.log(after["target_fraction"])),
        "loss_min": min(losses),
        "loss_history": [round(v, 5) for v in losses],
        "iterations": args.iterations,
        "lr": args.lr,
        "compile_s": compile_s,
        "wall_per_iteration_s": summary(walls),
        "wall_train_s": sum(walls),
        "wall_setup_s": setup_s,
        "peak_rss_mb": rss_train,
        "grid": [*cfg.cells, 1],
        "cell_m": [cfg.cell, cfg.cell, cfg.thickness],
        "dt_s": cfg.dt,
        "dt_bound_2_over_gamma_Hmax_s": 2 / (lens.system.gamma * H_max),
        "steps": lens.n_steps,
        "t1_s": lens.n_steps * cfg.dt,
        "t_avg_s": cfg.t_avg,
        "solver": "Heun, fixed step, checkpoint=True",
        "freq_Hz": cfg.freq,
        "B0_T": cfg.B0,
        "b_rf_T": cfg.b_rf,
        "Ms_A_per_m": cfg.Ms,
        "A_J_per_m": cfg.A,
        "alpha": [cfg.alpha, cfg.alpha_edge],
        "H_int_A_per_m": H_int,
        "H_int_infinite_film_A_per_m": cfg.B0 / MU0 - cfg.Ms,
        "wavelength_infinite_film_m": wavelength(cfg),
        "wavelength_m": wavelength(cfg, H_int=H_int),
        "dB_max_T": cfg.dB_max,
        "dB_trained_range_T": [float(dB.min()), float(dB.max())],
        "eq_max_torque_trained_A_per_m": torque,
        "max_amplitude_after": float(np.sqrt(np.max(np.asarray(imap_after)))),
    }
    if not args.quick:
        figures["wavelength_sim_m"] = lens.measured_wavelength()
        I_half = np.asarray(lens.probe_intensities(imap(rho, 2, 1)))
        figures["dt_half_I_after"] = I_half
        figures["dt_half_max_rel_change"] = float(np.max(np.abs(I_half / I_after - 1)))
        # the trained lens in a run twice as long, averaged over [t1, 2 t1]: steady state
        for name, r in (("before", jnp.zeros(cfg.cells)), ("after", rho)):
            I_long = np.asarray(lens.probe_intensities(imap(r, 1, 2)))
            figures[f"steady_I_{name}"] = I_long
            figures[f"steady_ratio_{name}"] = ratios(I_long, cfg.target)
    figures["peak_rss_mb_end"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    figures.update(conditions())
    if args.out:
        np.savez(
            args.out,
            rho=np.asarray(rho),
            field_map=np.asarray(lens.field_map(rho)),
            imap_before=np.asarray(imap_before),
            imap_after=np.asarray(imap_after),
            losses=np.asarray(losses),
            I=np.asarray(Is),
        )
    emit(figures)
    return figures


if __name__ == "__main__":
    main()
