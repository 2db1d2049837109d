"""Micrograph I/O, image → geometry conversion and the synthetic TEM-like renderer."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from PIL import Image

from jaxmag import Material, make_system
from jaxmag.ml.imaging import (
    from_image,
    image_to_cells,
    load_image_pairs,
    render_micrograph,
    save_image,
    synthetic_segmentation_set,
    to_image,
)

# ------------------------------------------------------------------------------------ io


def _write(path, array):
    Image.fromarray(array).save(path)


def test_load_round_trip_png_and_tiff(tmp_path):
    rng = np.random.default_rng(0)
    img8 = rng.integers(0, 256, (12, 20), dtype=np.uint8)
    mask8 = np.zeros((12, 20), np.uint8)
    mask8[2:5, 3:9] = 255  # a binary mask stored 0/255
    img16 = rng.integers(0, 65536, (8, 6), dtype=np.uint16)
    labels = rng.integers(0, 4, (8, 6), dtype=np.uint16)  # a label image
    rgb = rng.integers(0, 256, (5, 7, 3), dtype=np.uint8)
    _write(tmp_path / "img_002.png", img8)
    _write(tmp_path / "img_002_mask.png", mask8)
    _write(tmp_path / "img_001.tif", img16)
    _write(tmp_path / "img_001_mask.tiff", labels)
    _write(tmp_path / "img_003.png", rgb)
    _write(tmp_path / "img_003_mask.png", np.ones((5, 7), bool))
    (tmp_path / "notes.txt").write_text("ignored")

    images, masks, names = load_image_pairs(tmp_path)
    assert names == ["img_001", "img_002", "img_003"]
    np.testing.assert_allclose(images[0], img16 / 65535.0)
    np.testing.assert_array_equal(masks[0], labels)
    np.testing.assert_allclose(images[1], img8 / 255.0)
    np.testing.assert_array_equal(masks[1], mask8 // 255)
    gray = (rgb / 255.0) @ np.array([0.299, 0.587, 0.114])
    np.testing.assert_allclose(images[2], gray)
    np.testing.assert_array_equal(masks[2], np.ones((5, 7)))
    assert all(m.dtype.kind == "i" for m in masks)
    assert all(0 <= im.min() and im.max() <= 1 for im in images)
    _, _, only = load_image_pairs(tmp_path, pattern="img_00[12]")
    assert only == ["img_001", "img_002"]


def _pair(folder, name="a", shape=(6, 6), mask_shape=None):
    _write(folder / f"{name}.png", np.full(shape, 100, np.uint8))
    _write(folder / f"{name}_mask.png", np.zeros(mask_shape or shape, np.uint8))


@pytest.mark.parametrize(
    "case,bad_file,match",
    [
        ("corrupt", "b.png", "corrupt"),
        ("zero_bytes", "b_mask.png", "empty"),
        ("missing_mask", "b.png", "without its mask"),
        ("missing_image", "b_mask.png", "without its image"),
        ("shape", "b_mask.png", "shape"),
    ],
)
def test_load_bad_input_names_the_file(tmp_path, case, bad_file, match):
    _pair(tmp_path, "a")
    if case == "corrupt":
        _pair(tmp_path, "b")
        (tmp_path / "b.png").write_bytes(b"\x89PNG\r\n\x1a\n not really a png")
    elif case == "zero_bytes":
        _pair(tmp_path, "b")
        (tmp_path / "b_mask.png").write_bytes(b"")
    elif case == "missing_mask":
        _write(tmp_path / "b.png", np.zeros((6, 6), np.uint8))
    elif case == "missing_image":
        _write(tmp_path / "b_mask.png", np.zeros((6, 6), np.uint8))
    else:
        _pair(tmp_path, "b", mask_shape=(6, 5))
    with pytest.raises(ValueError, match=match) as err:
        load_image_pairs(tmp_path)
    assert str(tmp_path / bad_file) in str(err.value)


def test_load_empty_folder(tmp_path):
    with pytest.raises(ValueError, match="no image/mask pairs") as err:
        load_image_pairs(tmp_path)
    assert str(tmp_path) in str(err.value)
    with pytest.raises(ValueError, match="not a folder"):
        load_image_pairs(tmp_path / "missing")


def test_save_image_round_trip_and_atomic(tmp_path):
    a = np.linspace(0, 1, 30).reshape(5, 6)
    p = save_image(tmp_path / "x.png", a)
    back = np.asarray(Image.open(p)) / 255.0
    assert np.max(np.abs(back - a)) <= 0.5 / 255 + 1e-12
    save_image(tmp_path / "x16.png", a, bits=16)
    assert np.max(np.abs(np.asarray(Image.open(tmp_path / "x16.png")) / 65535.0 - a)) < 1e-5
    save_image(tmp_path / "m.png", a > 0.5)
    np.testing.assert_array_equal(np.asarray(Image.open(tmp_path / "m.png")) == 255, a > 0.5)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        save_image(tmp_path / "bad.png", a * 2)
    with pytest.raises(ValueError, match=".png"):
        save_image(tmp_path / "bad.jpg", a)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.png", "x.png", "x16.png"]


# ------------------------------------------------------------------------------ geometry


def test_from_image_orientation_and_cells():
    img = np.zeros((4, 6), bool)  # H = 4 rows, W = 6 columns
    img[0, 0] = True  # top-left pixel
    img[3, 5] = True  # bottom-right pixel
    g = from_image(img, 2e-9)
    assert g.mesh.n == (6, 4, 1)
    assert g.mesh.cell == pytest.approx((2e-9, 2e-9, 2e-9))
    assert g.region is None and g.mask.dtype == bool
    assert np.argwhere(g.mask).tolist() == [[0, 3, 0], [5, 0, 0]]  # (x min, y max), (x max, 0)
    np.testing.assert_array_equal(to_image(image_to_cells(img)), img)
    np.testing.assert_array_equal(to_image(g.mask)[0], img)

    g3 = from_image(img, (1e-9, 3e-9), thickness=5e-9, nz=5)
    assert g3.mesh.n == (6, 4, 5)
    assert g3.mesh.cell == pytest.approx((1e-9, 3e-9, 1e-9))
    assert np.all(g3.mask == g3.mask[:, :, :1])
    assert from_image(img, (1e-9, 3e-9), nz=2).mesh.size[2] == pytest.approx(2e-9)


def test_from_image_builds_a_system():
    img = np.zeros((8, 10), bool)
    img[1:4, 2:7] = True
    g = from_image(img, 3e-9)
    system = make_system(g.mesh, Material(8e5, 1.3e-11, 0.5), mask=g.mask, demag=False)
    Ms = np.asarray(system.material.Ms)
    assert np.all(Ms[~g.mask] == 0) and np.all(Ms[g.mask] == 8e5)
    assert np.count_nonzero(Ms) == img.sum()
    m = system.check_magnetisation(jnp.array([1.0, 0.0, 0.0]))
    assert np.isfinite(float(system.energy(m)))


def test_from_image_labels_to_regions():
    labels = np.array([[0, 1, 1], [2, 2, 0]], np.int64)
    g = from_image(labels, 5e-9)
    assert g.region.dtype == np.int32
    np.testing.assert_array_equal(to_image(g.region)[0], labels)
    assert g.region[0, 1, 0] == 0 and g.region[1, 1, 0] == 1 and g.region[0, 0, 0] == 2
    np.testing.assert_array_equal(g.mask, g.region > 0)
    mats = [Material(0.0), Material(8e5, 1.3e-11), Material(4e5, 1e-11)]
    mat = Material.from_regions(g.mesh, g.region, mats)
    np.testing.assert_array_equal(
        to_image(np.asarray(mat.Ms))[0], np.array([[0, 8e5, 8e5], [4e5, 4e5, 0]])
    )


@pytest.mark.parametrize(
    "image,pixel,kw,err,match",
    [
        (np.ones((3, 3), bool), 0.0, {}, ValueError, "positive"),
        (np.ones((3, 3), bool), float("nan"), {}, ValueError, "finite"),
        (np.ones((3, 3), bool), (1e-9, -1e-9), {}, ValueError, "positive"),
        (np.ones((3, 3), bool), 1e-9, {"thickness": 0.0}, ValueError, "thickness"),
        (np.ones((3, 3), bool), 1e-9, {"nz": 0}, ValueError, "nz"),
        (np.ones((3, 3, 2), bool), 1e-9, {}, ValueError, "2D"),
        (np.zeros((3, 3), bool), 1e-9, {}, ValueError, "no True"),
        (np.zeros((3, 3), np.int32), 1e-9, {}, ValueError, "label > 0"),
        (-np.ones((3, 3), np.int32), 1e-9, {}, ValueError, "non-negative"),
        (np.ones((3, 3)), 1e-9, {}, TypeError, "boolean mask or an integer label"),
    ],
)
def test_from_image_bad_input(image, pixel, kw, err, match):
    with pytest.raises(err, match=match):
        from_image(image, pixel, **kw)


# ----------------------------------------------------------------------------- synthetic


def _disc(n=64, r=10):
    y, x = np.mgrid[:n, :n]
    return (x - n / 2) ** 2 + (y - n / 2) ** 2 < r**2


def test_render_deterministic_range_and_contrast():
    mask = jnp.asarray(_disc())
    kw = dict(blur_px=1.0, shading=0.2, noise=0.1, contrast=0.4, background=0.8)
    render = jax.jit(render_micrograph, static_argnames="bright_particles")
    a = render(jax.random.key(3), mask, **kw)
    b = render(jax.random.key(3), mask, **kw)
    c = render(jax.random.key(4), mask, **kw)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    assert a.dtype == jnp.float32 and a.shape == mask.shape
    assert 0 <= float(a.min()) and float(a.max()) <= 1
    inside, outside = float(a[mask].mean()), float(a[~mask].mean())
    assert inside < outside - 0.3  # dark particles, contrast 0.4 less blur and shading
    bright = render(jax.random.key(3), mask, **kw, bright_particles=True)
    assert float(bright[mask].mean()) > float(bright[~mask].mean()) + 0.3
    keys = jax.random.split(jax.random.key(0), 3)
    many = jax.jit(jax.vmap(lambda k: render_micrograph(k, mask, **kw)))(keys)
    np.testing.assert_allclose(many[1], render(keys[1], mask, **kw), atol=1e-6)


@pytest.mark.parametrize("noise", [0.05, 0.15])
def test_render_noise_level(noise):
    empty = jnp.zeros((64, 64), bool)
    render = jax.jit(render_micrograph)
    img = render(jax.random.key(1), empty, blur_px=0.0, shading=0.0, noise=noise, contrast=0.5)
    assert float(jnp.mean(img)) == pytest.approx(0.8, abs=0.01)
    assert float(jnp.std(img)) == pytest.approx(noise * 0.5, rel=0.1)


def test_render_bad_parameters():
    m = jnp.ones((8, 8), bool)
    with pytest.raises(ValueError, match="blur_px"):
        render_micrograph(jax.random.key(0), m, blur_px=5.0)
    with pytest.raises(ValueError, match="contrast"):
        render_micrograph(jax.random.key(0), m, contrast=0.9, background=0.8)
    with pytest.raises(ValueError, match="2D"):
        render_micrograph(jax.random.key(0), jnp.ones(8, bool))


def test_synthetic_set():
    images, masks = synthetic_segmentation_set(jax.random.key(5), 40, (32, 32))
    assert images.shape == masks.shape == (40, 32, 32)
    assert images.dtype == jnp.float32 and masks.dtype == bool
    again, _ = synthetic_segmentation_set(jax.random.key(5), 3, (32, 32))
    np.testing.assert_array_equal(again, images[:3])
    frac = np.asarray(masks).mean(axis=(1, 2))
    assert np.all(frac > 0) and np.all(frac < 0.7)
    im, m = np.asarray(images), np.asarray(masks)
    assert np.all(im[m].mean() < im[~m].mean() - 0.15)
    with pytest.raises(ValueError, match="shape"):
        synthetic_segmentation_set(jax.random.key(0), 2, (8, 8))
    with pytest.raises(ValueError, match="n must"):
        synthetic_segmentation_set(jax.random.key(0), 0)
