"""Micrographs to micromagnetic geometries: image I/O, synthetic TEM-like images, a U-Net
for particle segmentation, and the conversion of a segmentation to a jaxmag mesh and mask.

A typical flow::

    pairs = load_image_pairs("data/")                      # or synthetic_segmentation_set
    model, history = train_unet(images, masks, key=key)     # or load_model(folder)
    mask = segment(model, image)                            # (H, W) booleans
    geom = from_image(np.asarray(mask), 2e-9)               # 2 nm pixels
    system = make_system(geom.mesh, Material(8e5, 1.3e-11), mask=geom.mask)
"""

from ._geometry import (
    ImageGeometry as ImageGeometry,
)
from ._geometry import (
    from_image as from_image,
)
from ._geometry import (
    image_to_cells as image_to_cells,
)
from ._geometry import (
    to_image as to_image,
)
from ._io import (
    ImagePairs as ImagePairs,
)
from ._io import (
    load_image_pairs as load_image_pairs,
)
from ._io import (
    save_image as save_image,
)
from ._metrics import (
    iou as iou,
)
from ._metrics import (
    mean_iou as mean_iou,
)
from ._synthetic import (
    gaussian_blur as gaussian_blur,
)
from ._synthetic import (
    render_micrograph as render_micrograph,
)
from ._synthetic import (
    synthetic_segmentation_set as synthetic_segmentation_set,
)
from ._training import (
    bce_dice_loss as bce_dice_loss,
)
from ._training import (
    train_unet as train_unet,
)
from ._unet import (
    UNet as UNet,
)
from ._unet import (
    load_model as load_model,
)
from ._unet import (
    predict_proba as predict_proba,
)
from ._unet import (
    save_model as save_model,
)
from ._unet import (
    segment as segment,
)

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
    "load_model",
    "mean_iou",
    "predict_proba",
    "render_micrograph",
    "save_image",
    "save_model",
    "segment",
    "synthetic_segmentation_set",
    "to_image",
    "train_unet",
]
