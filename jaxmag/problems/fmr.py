"""The ferromagnetic-resonance standard problem (Baker et al., JMMM 421, 428 (2017)).

**Specification.** A thin film 120 × 120 × 10 nm, divided into 5 nm cubes (24 × 24 × 2
cells), of a soft material: Ms = 8e5 A/m, A = 1.3e-11 J/m, no anisotropy; exchange,
demagnetisation and Zeeman energy. γ = 2.210173e5 m/(A s), passed to
:func:`jaxmag.make_system` as ``gamma`` (the Gilbert gyromagnetic ratio: the LLG
prefactor is −γ/(1 + α²)).

1. *Relaxation.* From m = ẑ, in the field H = 8e4 A/m along (1, 0.715, 0) (normalised,
   so |H| = 8e4 A/m), the state is relaxed. The paper integrates the LLG equation with
   α = 1; here the energy is minimised directly with :func:`jaxmag.minimise`
   (steepest descent with Barzilai–Borwein steps), which reaches the same ground state
   (both stop at a zero-torque state; the damping sets only the path to it).
2. *Ringdown.* The field is then changed to 8e4 A/m along (1, 0.7, 0) (normalised), the
   damping set to α = 0.008, and the LLG equation integrated for 20 ns, saving ⟨m⟩ every
   5 ps (4001 samples, Nyquist frequency 100 GHz, bin width 1/20 ns = 0.05 GHz).
3. *Spectrum.* The power spectrum of ⟨my⟩(t), its mean subtracted, by FFT
   (:func:`spectrum`). Its two largest local maxima are the main peaks; each is then
   located below a bin on the 8× zero-padded spectrum (the same discrete-time Fourier
   transform, sampled more finely) by a parabola through the log power of the three
   bins around it (:func:`peak_frequencies`, :func:`peaks`). The paper reports main
   peaks near 8.25 GHz and 11.25 GHz.
4. *Mode maps.* The discrete-time Fourier transform of each cell's my(t) (its own mean
   subtracted), evaluated exactly at each refined main-peak frequency: amplitude and
   phase (rad) per cell, ``(n, nx, ny, nz)`` (:func:`mode_maps`); the paper shows them
   for a layer of the film.

Functions :func:`spectrum`, :func:`peaks` and :func:`mode_maps` are pure NumPy and work
on any uniformly sampled signal; :func:`run` does the whole problem.
"""

import time
import warnings
from functools import partial

import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Float

from jaxmag._material import Material
from jaxmag._mesh import Mesh
from jaxmag._system import System, make_system
from jaxmag._validate import check_int
from jaxmag.dynamics._simulate import mean_m, simulate
from jaxmag.statics._relax import minimise

SIZE = (120e-9, 120e-9, 10e-9)
"""Film size in m."""
CELLS = (24, 24, 2)
"""The reference discretisation: 5 nm cubes."""
MS, A = 8.0e5, 1.3e-11
"""Saturation magnetisation (A/m) and exchange stiffness (J/m)."""
GAMMA = 2.210173e5
"""Gilbert gyromagnetic ratio of the problem, m/(A s)."""
ALPHA_RELAX, ALPHA = 1.0, 0.008
"""Damping of the relaxation (stated by the paper; the minimiser needs none) and of
the ringdown (dimensionless)."""
H_MAG = 8.0e4
"""Magnitude of the applied field, A/m."""
DIR_RELAX = (1.0, 0.715, 0.0)
"""Field direction during the relaxation (normalised before use)."""
DIR_RINGDOWN = (1.0, 0.7, 0.0)
"""Field direction during the ringdown (normalised before use)."""
M_START = (0.0, 0.0, 1.0)
"""The start of the relaxation."""
T1 = 20e-9
"""Length of the ringdown, s."""
SAVE_EVERY = 5e-12
"""Sampling interval of ⟨m⟩, s."""


def mesh(cells: tuple[int, int, int] = CELLS) -> Mesh:
    """The film divided into ``cells = (nx, ny, nz)`` cells."""
    return Mesh.from_size(cells, SIZE)


def material(alpha: float = ALPHA) -> Material:
    """Ms = 8e5 A/m, A = 1.3e-11 J/m, damping `alpha` (dimensionless)."""
    return Material(Ms=MS, A=A, alpha=alpha)


def field(direction=DIR_RINGDOWN, magnitude: float = H_MAG) -> Float[Array, " 3"]:
    """The applied field in A/m: `magnitude` (A/m) along `direction` (normalised)."""
    d = np.asarray(direction, dtype=float)
    if d.shape != (3,) or not np.all(np.isfinite(d)) or not np.linalg.norm(d) > 0:
        raise ValueError(f"direction must be a finite non-zero 3-vector, got {direction!r}")
    return jnp.asarray(magnitude * d / np.linalg.norm(d))


def system(
    direction=DIR_RINGDOWN, alpha: float = ALPHA, cells: tuple[int, int, int] = CELLS
) -> System:
    """Exchange, demag and 8e4 A/m along `direction`, damping `alpha`, γ = :data:`GAMMA`."""
    return make_system(mesh(cells), material(alpha), H=field(direction), gamma=GAMMA)


def initial_state(cells: tuple[int, int, int] = CELLS) -> Float[Array, "3 nx ny nz"]:
    """m = ẑ everywhere: the start of the relaxation."""
    m = jnp.asarray(M_START, dtype=float)
    return jnp.broadcast_to(m.reshape(3, 1, 1, 1), (3, *cells))


def _uniform_step(ts) -> float:
    """The sampling interval (s) of ``ts``, checked to be uniform with >= 4 samples."""
    ts = np.asarray(ts, dtype=float)
    if ts.ndim != 1 or ts.size < 4:
        raise ValueError(f"ts must be a 1D array of at least 4 times, got shape {ts.shape}")
    if not np.all(np.isfinite(ts)):
        raise ValueError("ts contains NaN or inf")
    d = np.diff(ts)
    dt = float(np.mean(d))
    # Within 1e-3 of a step: float32 save times at 20 ns are up to ~4e-4 of 5 ps off.
    if not dt > 0 or np.max(np.abs(d - dt)) > 1e-3 * dt:
        raise ValueError(
            "ts must be uniformly spaced and increasing (an FFT needs a fixed sampling "
            f"interval); steps range over [{d.min():.6g}, {d.max():.6g}] s"
        )
    return dt


def spectrum(
    ts: Float[np.ndarray, " T"], my: Float[np.ndarray, " T"], *, pad: int = 1
) -> tuple[Float[np.ndarray, " F"], Float[np.ndarray, " F"]]:
    """The one-sided power spectrum of a uniformly sampled signal, its mean subtracted.

    **Arguments:**

    - `ts`: uniformly spaced sample times in s, ``(T,)``, T >= 4.
    - `my`: the signal (e.g. ⟨my⟩, dimensionless) at those times, ``(T,)``.
    - `pad`: zero-pad to ``pad × T`` samples (integer >= 1), sampling the same
      discrete-time Fourier transform ``pad`` times more finely.

    Returns ``(freqs, power)``: frequencies in Hz from 0 to Nyquist (bin width
    ``1 / (pad T dt)``) and ``|FFT|²`` (arbitrary units; the zero bin is ~0).
    """
    dt = _uniform_step(ts)
    y = np.asarray(my, dtype=float)
    if y.shape != np.shape(ts):
        raise ValueError(f"my must have the shape of ts {np.shape(ts)}, got {y.shape}")
    if not np.all(np.isfinite(y)):
        raise ValueError("my contains NaN or inf")
    n = check_int("pad", pad) * y.size
    power = np.abs(np.fft.rfft(y - y.mean(), n=n)) ** 2
    return np.fft.rfftfreq(n, dt), power


def peaks(
    freqs: Float[np.ndarray, " F"], power: Float[np.ndarray, " F"], n: int = 2
) -> tuple[Float[np.ndarray, " n"], Float[np.ndarray, " n"]]:
    """The `n` strongest local maxima of a spectrum, refined below a bin.

    Each local maximum (a bin above both neighbours, the zero and last bins excluded)
    is refined by a parabola through the log power of the three bins around it: exact
    for a Gaussian peak, and within a few per cent of a bin for a Lorentzian sampled at
    its linewidth or finer.

    **Arguments:**

    - `freqs`: uniformly spaced frequencies in Hz, ``(F,)`` (as from :func:`spectrum`).
    - `power`: the power at those frequencies, ``(F,)``, >= 0.
    - `n`: how many peaks.

    Returns ``(f_peak, p_peak)``: frequencies (Hz) and interpolated powers, strongest
    first. Raises ``ValueError`` if there are fewer than `n` local maxima.
    """
    f = np.asarray(freqs, dtype=float)
    p = np.asarray(power, dtype=float)
    if f.ndim != 1 or f.shape != p.shape or f.size < 3:
        raise ValueError(f"freqs and power must be 1D of equal length >= 3: {f.shape}, {p.shape}")
    if not (np.all(np.isfinite(f)) and np.all(np.isfinite(p))) or np.any(p < 0):
        raise ValueError("freqs and power must be finite, power >= 0")
    df = f[1] - f[0]
    if not df > 0 or np.max(np.abs(np.diff(f) - df)) > 1e-6 * df:
        raise ValueError("freqs must be uniformly spaced and increasing")
    check_int("n", n)
    i = 1 + np.nonzero((p[1:-1] > p[:-2]) & (p[1:-1] >= p[2:]))[0]
    if i.size < n:
        raise ValueError(f"the spectrum has {i.size} local maxima, fewer than n = {n}")
    return _parabolic(f, p, i[np.argsort(p[i])[::-1][:n]])


def _parabolic(f, p, i):
    """Vertex of the parabola through the log power at bins ``i - 1, i, i + 1``."""
    tiny = np.finfo(float).tiny
    lm, l0, lp = (np.log(np.maximum(p[j], tiny)) for j in (i - 1, i, i + 1))
    curv = lm - 2 * l0 + lp  # < 0 at a strict maximum
    shift = np.where(curv < 0, 0.5 * (lm - lp) / np.where(curv < 0, curv, -1.0), 0.0)
    shift = np.clip(shift, -0.5, 0.5)
    return f[i] + shift * (f[1] - f[0]), np.exp(l0 - 0.25 * (lm - lp) * shift)


def peak_frequencies(
    ts: Float[np.ndarray, " T"], my: Float[np.ndarray, " T"], n: int = 2, *, pad: int = 8
) -> tuple[Float[np.ndarray, " n"], Float[np.ndarray, " n"]]:
    """The `n` main peaks of the power spectrum of `my`: found, then refined, in two steps.

    The peaks are chosen on the plain spectrum (bin ``1 / (T dt)``), where every local
    maximum is a resonance or noise; the zero-padded spectrum of a signal that has not
    decayed by the end of the record has sinc side lobes, which would rank as peaks.
    Each peak is then located on the spectrum zero-padded `pad` times: the padded
    bin of highest power within one plain bin of it, refined by :func:`peaks`'
    parabola. On a damped sinusoid (20 ns at 5 ps) this is within ~0.03 of a plain bin,
    against ~0.15 for the parabola on the plain bins alone.

    **Arguments:** `ts` (s), `my` as in :func:`spectrum`; `n` peaks; `pad` >= 1.

    Returns ``(f_peak, p_peak)``: frequencies (Hz) and powers (padded spectrum),
    strongest first (by the plain spectrum's power).
    """
    f1, p1 = spectrum(ts, my)
    fc, pc = peaks(f1, p1, n)
    if pad == 1:
        return fc, pc
    f, p = spectrum(ts, my, pad=pad)
    df1 = f1[1] - f1[0]
    idx = []
    for f0 in fc:
        win = np.nonzero(np.abs(f - f0) <= df1)[0]
        win = win[(win > 0) & (win < f.size - 1)]
        idx.append(win[np.argmax(p[win])])
    return _parabolic(f, p, np.asarray(idx))


def linewidth(
    freqs: Float[np.ndarray, " F"], power: Float[np.ndarray, " F"], f_peak: float
) -> float:
    """Full width at half maximum (Hz) of the peak of `power` nearest `f_peak` (Hz).

    The half-power crossings either side of the peak bin are linearly interpolated;
    NaN if the power does not fall to half on both sides. Use a zero-padded spectrum
    (:func:`spectrum`) for a peak only a few bins wide.
    """
    f = np.asarray(freqs, dtype=float)
    p = np.asarray(power, dtype=float)
    i = int(np.argmin(np.abs(f - f_peak)))
    while 0 < i < f.size - 1 and max(p[i - 1], p[i + 1]) > p[i]:  # climb to the top
        i += 1 if p[i + 1] > p[i - 1] else -1
    half = p[i] / 2
    lo = np.nonzero(p[:i] < half)[0]
    hi = np.nonzero(p[i:] < half)[0]
    if lo.size == 0 or hi.size == 0:
        return float("nan")
    a, b = lo[-1], i + hi[0]
    f_lo = np.interp(half, [p[a], p[a + 1]], [f[a], f[a + 1]])
    f_hi = np.interp(half, [p[b], p[b - 1]], [f[b], f[b - 1]])
    return float(f_hi - f_lo)


def mode_maps(
    ts: Float[np.ndarray, " T"], my: Float[np.ndarray, " T *cells"], freqs_hz
) -> tuple[Float[np.ndarray, " n *cells"], Float[np.ndarray, " n *cells"]]:
    """Per-cell amplitude and phase of a field sampled in time, at given frequencies.

    The discrete-time Fourier transform ``X(f) = Σ_k (y_k − ȳ) exp(−2πi f t_k)`` of each
    cell's signal (its own time mean ȳ subtracted), evaluated at each frequency exactly
    (not at the nearest FFT bin).

    **Arguments:**

    - `ts`: uniformly spaced times in s, ``(T,)``.
    - `my`: the signal per cell, ``(T, ...)`` (e.g. ``(T, nx, ny, nz)``).
    - `freqs_hz`: the frequencies in Hz, ``(n,)``.

    Returns ``(amplitude, phase)``, each ``(n, ...)``: ``|X|`` (signal units × samples)
    and ``arg X`` in rad, in (−π, π].
    """
    _uniform_step(ts)
    t = np.asarray(ts, dtype=float)
    y = np.asarray(my, dtype=float)
    if y.shape[:1] != t.shape:
        raise ValueError(f"my must have {t.size} samples on its first axis, got {y.shape}")
    f = np.atleast_1d(np.asarray(freqs_hz, dtype=float))
    if f.ndim != 1 or not np.all(np.isfinite(f)):
        raise ValueError(f"freqs_hz must be finite, 1D, got {freqs_hz!r}")
    y = y.reshape(t.size, -1)
    kernel = np.exp(-2j * np.pi * f[:, None] * (t - t[0])[None, :])  # (n, T)
    X = (kernel @ (y - y.mean(axis=0))).reshape(f.size, *np.shape(my)[1:])
    return np.abs(X), np.angle(X)


def _timed(fn):
    t = time.perf_counter()
    out = jax.block_until_ready(fn())
    return out, time.perf_counter() - t


def run(
    cells: tuple[int, int, int] = CELLS,
    t1: float = T1,
    save_every: float = SAVE_EVERY,
    *,
    rtol: float = 1e-5,
    relax_tol: float | None = None,
    pad: int = 8,
    n_peaks: int = 2,
    compile_first: bool = True,
    progress: bool = False,
) -> dict:
    """Relax, ring down for `t1` (s) saving ⟨m⟩ and my every `save_every` (s), analyse.

    **Arguments:**

    - `cells`: ``(nx, ny, nz)``; the film size is fixed at 120 × 120 × 10 nm.
    - `t1`, `save_every`: ringdown length and sampling interval in s.
    - `rtol`: solver tolerance (rtol = atol, dimensionless).
    - `relax_tol`: torque tolerance of :func:`jaxmag.minimise` (its default if None).
    - `pad`: zero-padding factor used to refine the peaks (see :func:`peak_frequencies`).
    - `n_peaks`: how many main peaks to locate and map.
    - `compile_first`: compile each stage on the same shapes first and time it apart
      (``compile_s``), so that ``relax_s`` and ``dynamics_s`` are run times only.
    - `progress`: print a line per stage, and the relaxation's progress.

    Returns a dict: ``ts`` (s), ``m_avg`` ``(T, 3)``, ``freqs`` (Hz) and ``power``
    (the plain spectrum of ⟨my⟩),
    ``peaks_hz`` and ``peak_power`` (strongest first), ``amplitude`` and ``phase`` (rad)
    maps ``(n_peaks, nx, ny, nz)``, ``m_relaxed`` (⟨m⟩ after relaxation), the relax and
    trajectory results, and the wall times ``compile_s``, ``relax_s``, ``dynamics_s``.
    """
    n = int(round(t1 / save_every))
    if n < 3 or abs(n * save_every - t1) > 1e-6 * save_every:
        raise ValueError(
            f"t1 = {t1!r} s must be a whole number (>= 3) of save_every = {save_every!r} s"
        )
    sys_relax = system(DIR_RELAX, ALPHA_RELAX, cells)
    sys_ring = system(DIR_RINGDOWN, ALPHA, cells)
    m0 = initial_state(cells)
    ts = np.arange(n + 1) * save_every

    def ringdown(m, scale=1.0):
        return simulate(
            sys_ring,
            m,
            ts[-1] * scale,
            ts=ts * scale,
            snapshots=True,
            rtol=rtol,
            atol=rtol,
            save_energies=False,
        )

    say = partial(print, flush=True) if progress else (lambda *a: None)
    compile_s = 0.0
    if compile_first:
        say("fmr: compiling the relaxation and the ringdown")
        _, c1 = _timed(lambda: minimise(sys_relax, m0, max_iter=1).m)
        _, c2 = _timed(lambda: ringdown(m0, 1e-4).m_avg)
        compile_s = c1 + c2
    say(f"fmr: relaxing {cells} cells from m = z in 8e4 A/m along {DIR_RELAX}")
    relaxed, relax_s = _timed(lambda: minimise(sys_relax, m0, tol=relax_tol, progress=progress))
    say(
        f"fmr: relaxed in {relax_s:.2f} s ({int(relaxed.iterations)} iterations, max torque "
        f"{float(relaxed.max_torque):.2e})",
    )
    say(f"fmr: ringdown for {t1 * 1e9:g} ns, alpha = {ALPHA}, field along {DIR_RINGDOWN}")
    if not bool(relaxed.converged):
        warnings.warn(
            f"FMR relaxation stopped at max torque {float(relaxed.max_torque):.2e}, above "
            "its tolerance",
            stacklevel=2,
        )
    traj, dynamics_s = _timed(lambda: ringdown(relaxed.m))
    say(f"fmr: ringdown took {dynamics_s:.1f} s ({int(traj.stats['rhs_evals'])} evaluations)")
    ts_out = ts  # the requested times, in float64 (traj.ts may be float32)
    m_avg = np.asarray(traj.m_avg)
    freqs, power = spectrum(ts_out, m_avg[:, 1])
    f_pk, p_pk = peak_frequencies(ts_out, m_avg[:, 1], n_peaks, pad=pad)
    my_cells = np.asarray(traj.snapshots)[:, 1]  # (T, nx, ny, nz)
    amp, phase = mode_maps(ts_out, my_cells, f_pk)
    return {
        "ts": ts_out,
        "m_avg": m_avg,
        "freqs": freqs,
        "power": power,
        "peaks_hz": f_pk,
        "peak_power": p_pk,
        "amplitude": amp,
        "phase": phase,
        "relaxed": relaxed,
        "trajectory": traj,
        "m_relaxed": np.asarray(mean_m(sys_relax, relaxed.m)),
        "compile_s": compile_s,
        "relax_s": relax_s,
        "dynamics_s": dynamics_s,
    }
