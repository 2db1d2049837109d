"""Micrographs to micromagnetic geometries: image I/O, synthetic TEM-like images, a U-Net
for particle segmentation, and the conversion of a segmentation to a jaxmag mesh and mask.

A typical flow::

    pairs = load_image_pairs("data/")                      # or synthetic_segmentation_set
    model, history = train_unet(images, masks, key=key)     # or load_unet(folder)
    mask = segment(model, image)                            # (H, W) booleans
    geom = from_image(np.asarray(mask), 2e-9)               # 2 nm pixels
    system = make_system(geom.mesh, Material(8e5, 1.3e-11), mask=geom.mask)
"""

from .geometry import ImageGeometry, from_image, image_to_cells, to_image
from .io import ImagePairs, load_image_pairs, save_image
from .metrics import iou, mean_iou
from .synthetic import gaussian_blur, render_micrograph, synthetic_segmentation_set
from .training import bce_dice_loss, train_unet
from .unet import UNet, load_unet, predict_proba, save_unet, segment

__all__ = [
    "ImageGeometry",
    "ImagePairs",
    "UNet",
    "bce_dice_loss",
    "from_image",
    "gaussian_blur",
    "image_to_cells",
    "iou",
    "load_image_pairs",
    "load_unet",
    "mean_iou",
    "predict_proba",
    "render_micrograph",
    "save_image",
    "save_unet",
    "segment",
    "synthetic_segmentation_set",
    "to_image",
    "train_unet",
]
