"""SP4-family training data: shapes, unit length, agreement with a single solver run,
and a cache that is reused only when every generating parameter matches."""

import jax.numpy as jnp
import numpy as np
import pytest

from jaxmag.ml import latent as ld

SMALL = dict(n_train=2, n_heldout=1, cells=(10, 4, 1), t1=2e-11, dt_save=1e-11)


def test_fields_cover_the_ranges():
    f = ld.sobol_fields(64)
    b, ang = np.hypot(*f.T), np.rad2deg(np.arctan2(f[:, 1], f[:, 0])) % 360
    assert b.min() >= 15 and b.max() <= 45 and ang.min() >= 160 and ang.max() <= 200
    assert b.max() - b.min() > 25 and ang.max() - ang.min() > 35  # quasi-random, spread out
    np.testing.assert_allclose(ld.fields_from_polar(10.0, 90.0), [0.0, 10.0], atol=1e-12)
    with pytest.raises(ValueError, match="n must be"):
        ld.sobol_fields(0)


@pytest.mark.slow  # heavy; the fast suite's 10-minute budget
def test_family_is_cached_by_its_parameters(tmp_path, capsys):
    a = ld.sp4_family(tmp_path, **SMALL)
    assert a["regenerated"] and a["train_m"].shape == (2, 3, 3, 10, 4)
    assert a["test_m"].shape == (3, 3, 3, 10, 4)  # SP4 fields 1 and 2, then one random
    np.testing.assert_allclose(a["test_fields"][:2], ld.TEST_FIELDS_MT)
    np.testing.assert_allclose(np.linalg.norm(a["train_m"], axis=2), 1.0, atol=1e-6)
    assert not np.allclose(a["train_m"][0, -1], a["train_m"][1, -1])  # fields matter
    b = ld.sp4_family(tmp_path, **SMALL)
    assert not b["regenerated"] and b["cache"] == a["cache"]
    np.testing.assert_array_equal(a["train_m"], b["train_m"])
    c = ld.sp4_family(tmp_path, **dict(SMALL, rtol=1e-6))  # a changed parameter
    assert c["regenerated"] and c["cache"] != a["cache"]
    a["cache"].write_bytes(b"not an npz file")  # a damaged cache is regenerated
    d = ld.sp4_family(tmp_path, progress=True, **SMALL)
    assert d["regenerated"] and "unreadable" in capsys.readouterr().out
    np.testing.assert_allclose(d["train_m"], a["train_m"], atol=1e-6)


@pytest.mark.slow  # heavy: moved out of the fast suite (its 10-minute budget)
def test_batched_equals_single_runs():
    f = ld.sobol_fields(3)
    kw = dict(cells=(10, 4, 1), t1=2e-11, dt_save=1e-11)
    m0 = ld.relaxed_s_state((10, 4, 1))
    batched = ld.simulate_fields(f, m0=m0, batch=2, **kw)
    one = np.asarray(ld.trajectory_fn(kw["cells"], kw["t1"], kw["dt_save"], m0)(jnp.asarray(f[2])))
    np.testing.assert_allclose(batched[2], one, atol=1e-6)
    with pytest.raises(ValueError, match="multiple of dt_save"):
        ld.simulate_fields(f, m0=m0, cells=(10, 4, 1), t1=2.5e-11, dt_save=1e-11)
    with pytest.raises(ValueError, match="single layer"):
        ld.simulate_fields(f, m0=m0, cells=(10, 4, 2))


def test_family_p_covers_small_fields_at_every_angle():
    f = ld.sobol_fields(64, family="P")
    b, ang = np.hypot(*f.T), np.rad2deg(np.arctan2(f[:, 1], f[:, 0])) % 360
    assert b.min() >= 2 and b.max() <= 12 and b.max() - b.min() > 8
    assert all(((ang >= q) & (ang < q + 90)).any() for q in (0, 90, 180, 270))
    np.testing.assert_array_equal(ld.sobol_fields(16, family="P"), f[:16])  # nested
    r = ld.random_fields(5, seed=1, family="P")
    assert r.shape == (5, 2) and np.all((np.hypot(*r.T) >= 2) & (np.hypot(*r.T) <= 12))
    with pytest.raises(ValueError, match="family must be one of"):
        ld.sobol_fields(4, family="Q")


def test_family_p_has_no_fixed_test_fields(tmp_path):
    a = ld.sp4_family(tmp_path, family="P", **SMALL)
    assert a["family"] == "P" and a["test_m"].shape[0] == 1  # the one random field only
    assert np.hypot(*a["test_fields"][0]) <= 12
    with pytest.raises(ValueError, match="no fixed test fields"):
        ld.sp4_family(tmp_path, family="P", **dict(SMALL, n_heldout=0))
    with pytest.raises(ValueError, match="NaN"):
        ld.cached_trajectories(tmp_path, [[np.nan, 1.0]], cells=(10, 4, 1), t1=2e-11)
    with pytest.raises(ValueError, match="no fields"):
        ld.cached_trajectories(tmp_path, np.zeros((0, 2)), cells=(10, 4, 1), t1=2e-11)
