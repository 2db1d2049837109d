"""The segmentation U-Net: shapes, errors, a short training on synthetic micrographs,
IoU on hand-made masks, and saving/loading."""

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxmag.ml.imaging import (
    UNet,
    iou,
    load_model,
    mean_iou,
    predict_proba,
    save_model,
    segment,
    synthetic_segmentation_set,
    train_unet,
)


@pytest.fixture(scope="module")
def trained():
    """A U-Net trained briefly on 32 × 32 synthetic micrographs, and held-out data."""
    images, masks = synthetic_segmentation_set(jax.random.key(0), 192, (32, 32))
    model, history = train_unet(
        images[:160],
        masks[:160],
        key=jax.random.key(1),
        steps=300,
        batch_size=8,
        learning_rate=5e-3,
        base=8,
        depth=2,
    )
    return model, history, images[160:], masks[160:]


def test_output_shape_and_dtype():
    model = UNet(1, 4, 2, key=jax.random.key(0))
    out = eqx.filter_jit(model)(jnp.ones((16, 24)))
    assert out.shape == (16, 24) and out.dtype == jnp.float32
    three = UNet(3, 4, 1, norm=True, key=jax.random.key(0))
    assert eqx.filter_jit(three)(jnp.ones((3, 8, 6))).shape == (8, 6)


@pytest.mark.parametrize("shape", [(30, 32), (32,), (1, 32, 32), (0, 32)])
def test_wrong_shape_raises(shape):
    model = UNet(1, 4, 2, key=jax.random.key(0))
    with pytest.raises(ValueError, match=r"\(H, W\).*multiples of 2\*\*depth = 4"):
        model(jnp.ones(shape))
    if len(shape) == 2:
        with pytest.raises(ValueError, match="multiples"):
            segment(model, jnp.ones((2, *shape)))


def test_bad_constructor_and_training_arguments():
    with pytest.raises(ValueError, match="depth"):
        UNet(1, 8, 0, key=jax.random.key(0))
    with pytest.raises(ValueError, match="base"):
        UNet(1, 0, 2, key=jax.random.key(0))
    x = jnp.zeros((4, 16, 16))
    with pytest.raises(ValueError, match="masks have shape"):
        train_unet(x, jnp.zeros((4, 16, 8), bool), key=jax.random.key(0), steps=1)
    with pytest.raises(ValueError, match="multiples of 2\\*\\*depth = 8"):
        train_unet(jnp.zeros((4, 12, 12)), jnp.zeros((4, 12, 12), bool), key=jax.random.key(0))
    with pytest.raises(ValueError, match="steps"):
        train_unet(x, x > 0, key=jax.random.key(0), steps=0)


def test_training_reduces_loss_and_segments_held_out(trained):
    model, history, x_test, y_test = trained
    loss = np.asarray(history["loss"])
    assert loss.shape == (300,) and np.all(np.isfinite(loss))
    assert loss[-20:].mean() < 0.35 * loss[:5].mean()
    pred = segment(model, x_test)
    assert pred.shape == x_test.shape and pred.dtype == bool
    score = mean_iou(np.asarray(pred), np.asarray(y_test))
    assert score >= 0.8, score
    tta = segment(model, x_test, tta=True)
    assert tta.shape == x_test.shape and mean_iou(np.asarray(tta), np.asarray(y_test)) >= 0.8
    blank = segment(UNet(1, 8, 2, key=jax.random.key(9)), x_test)  # untrained: much worse
    assert mean_iou(np.asarray(blank), np.asarray(y_test)) < score - 0.3


def test_iou_hand_made():
    a = np.zeros((4, 4), bool)
    b = np.zeros((4, 4), bool)
    assert iou(a, b) == 1.0  # both empty
    a[0, :2] = True  # 2 pixels
    assert iou(a, b) == 0.0
    b[0, 1:4] = True  # 3 pixels, 1 shared: union 4
    assert iou(a, b) == pytest.approx(0.25)
    assert iou(a, a) == 1.0
    batch = iou(np.stack([a, a, np.zeros_like(a)]), np.stack([b, a, np.zeros_like(a)]))
    np.testing.assert_allclose(batch, [0.25, 1.0, 1.0])
    assert mean_iou(np.stack([a, a]), np.stack([b, a])) == pytest.approx(0.625)
    with pytest.raises(ValueError, match="must match"):
        iou(a, b[:3])
    with pytest.raises(TypeError, match="threshold"):
        iou(a.astype(float), b)


def test_save_load_round_trip(trained, tmp_path):
    model, _, x_test, _ = trained
    folder = save_model(tmp_path / "unet", model, metadata={"note": "test", "steps": 300})
    back, metadata = load_model(folder)
    assert (back.base, back.depth, back.in_channels) == (8, 2, 1)
    assert metadata == {"note": "test", "steps": 300}
    np.testing.assert_array_equal(predict_proba(back, x_test), predict_proba(model, x_test))
    with pytest.raises(ValueError, match="not a jaxmag model folder"):
        load_model(tmp_path / "nothing")
    with pytest.raises(TypeError, match="not a U-Net"):
        save_model(tmp_path / "other", model.head)
    assert not (tmp_path / "other").exists()
