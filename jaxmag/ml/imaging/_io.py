"""Micrographs and their segmentation masks on disk (PNG and TIFF).

A folder holds pairs ``NAME.EXT`` (the image) and ``NAME_mask.EXT`` (its mask), with
``EXT`` one of ``.png``, ``.tif``, ``.tiff`` (any case; image and mask may use different
ones). :func:`load_image_pairs` reads every pair, :func:`save_image` writes a PNG.

Conversions on reading:

- images become ``float64`` arrays in [0, 1], grayscale. Integer pixels are divided by
  the largest value of their storage type (255 for 8-bit, 65535 for 16-bit); RGB(A) is
  converted with the ITU-R 601 luma weights ``0.299 R + 0.587 G + 0.114 B`` (alpha is
  ignored); floating-point images already inside [0, 1] are kept, others are rescaled by
  their minimum and maximum;
- masks become ``int64`` label arrays. A binary mask (1-bit, or only the values 0 and the
  type's maximum, e.g. 0/255) becomes 0/1; any other integer image keeps its labels. A
  colour mask is accepted only when its channels are equal.
"""

import fnmatch
from pathlib import Path
from typing import NamedTuple

import numpy as np
from PIL import Image, UnidentifiedImageError

from jaxmag.io import atomic_write

EXTENSIONS = (".png", ".tif", ".tiff")
MASK_SUFFIX = "_mask"
_LUMA = np.array([0.299, 0.587, 0.114])


class ImagePairs(NamedTuple):
    """Images, masks and names of a folder, sorted by name (see :func:`load_image_pairs`).

    Lists rather than stacked arrays, since the images may differ in size.
    """

    images: list[np.ndarray]
    masks: list[np.ndarray]
    names: list[str]


def _read(path: Path, *, palette_to_rgb: bool) -> np.ndarray:
    """The pixels of ``path`` (first frame), with errors naming the file.

    A palette image becomes RGB(A) when ``palette_to_rgb`` (images) and keeps its palette
    indices otherwise (masks, where the indices are the labels)."""
    if path.stat().st_size == 0:
        raise ValueError(f"{path}: empty file (0 bytes), not an image")
    try:
        with Image.open(path) as im:
            im.load()
            if im.mode in ("P", "PA") and palette_to_rgb:
                im = im.convert("RGBA" if "transparency" in im.info or im.mode == "PA" else "RGB")
            a = np.asarray(im)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as e:
        raise ValueError(f"{path}: unreadable or corrupt image ({e})") from None
    if a.size == 0 or a.ndim < 2 or 0 in a.shape[:2]:
        raise ValueError(f"{path}: empty image (shape {a.shape})")
    if a.ndim == 3 and a.shape[2] in (2, 4):  # LA, RGBA: drop alpha
        a = a[..., :-1]
    if a.ndim == 3 and a.shape[2] == 1:
        a = a[..., 0]
    if a.ndim not in (2, 3) or (a.ndim == 3 and a.shape[2] != 3):
        raise ValueError(f"{path}: unsupported image layout, shape {a.shape}")
    return a


def _as_gray(path: Path, a: np.ndarray) -> np.ndarray:
    x = a.astype(np.float64)
    if a.dtype == bool:
        pass
    elif a.dtype.kind == "u" and a.dtype.itemsize <= 2:  # 8- and 16-bit, any byte order
        x = x / np.iinfo(a.dtype).max
    elif not np.all(np.isfinite(x)):
        raise ValueError(f"{path}: image contains NaN or inf")
    elif a.dtype.kind in "iu" and x.min() >= 0 and x.max() <= 65535:
        x = x / 65535.0  # 32-bit integer mode "I", as PIL reads some 16-bit files
    elif not (a.dtype.kind == "f" and x.min() >= 0 and x.max() <= 1):
        lo, hi = x.min(), x.max()  # floats outside [0, 1], wide integers: stretch
        x = (x - lo) / (hi - lo) if hi > lo else np.zeros_like(x)
    return np.clip(x @ _LUMA, 0.0, 1.0) if x.ndim == 3 else x


def _as_labels(path: Path, a: np.ndarray) -> np.ndarray:
    if a.ndim == 3:
        if not (np.array_equal(a[..., 0], a[..., 1]) and np.array_equal(a[..., 0], a[..., 2])):
            raise ValueError(
                f"{path}: colour mask; expected a grayscale binary mask or an integer label image"
            )
        a = a[..., 0]
    if a.dtype == bool:
        return a.astype(np.int64)
    if a.dtype.kind == "f":
        if not np.all(np.isfinite(a)) or not np.all(a == np.round(a)):
            raise ValueError(f"{path}: mask has non-integer values; expected integer labels")
    elif a.dtype.kind not in "iu":
        raise ValueError(f"{path}: mask of unsupported dtype {a.dtype}")
    labels = a.astype(np.int64)
    if labels.min() < 0:
        raise ValueError(f"{path}: mask has negative labels (min {labels.min()})")
    top = np.iinfo(a.dtype).max if a.dtype.kind == "u" and a.dtype.itemsize <= 2 else None
    if top is not None and set(np.unique(labels).tolist()) <= {0, top}:
        return (labels == top).astype(np.int64)  # a binary mask stored as 0/255 (0/65535)
    return labels


def _index(folder: Path, pattern: str, mask_suffix: str) -> dict[str, dict[str, Path]]:
    """``{name: {"image": path, "mask": path}}`` for the supported files in ``folder``."""
    found: dict[str, dict[str, Path]] = {}
    for p in sorted(folder.iterdir()):
        if not p.is_file() or p.suffix.lower() not in EXTENSIONS or p.name.startswith("."):
            continue
        stem = p.stem
        kind = "mask" if stem.endswith(mask_suffix) else "image"
        name = stem[: -len(mask_suffix)] if kind == "mask" else stem
        if not fnmatch.fnmatchcase(name, pattern):
            continue
        entry = found.setdefault(name, {})
        if kind in entry:
            raise ValueError(f"{p}: ambiguous {kind}, {entry[kind].name} has the same name")
        entry[kind] = p
    return found


def load_image_pairs(folder, *, pattern: str = "*", mask_suffix: str = MASK_SUFFIX) -> ImagePairs:
    """Load every micrograph of ``folder`` with its segmentation mask.

    **Arguments:**

    - `folder`: a folder of ``NAME.png`` / ``NAME_mask.png`` pairs (or ``.tif``, ``.tiff``).
    - `pattern`: a shell-style pattern (``fnmatch``) on ``NAME``; pairs that do not match
      are ignored. The default takes all.
    - `mask_suffix`: what ends a mask's file name before the extension.

    Returns :class:`ImagePairs` ``(images, masks, names)``, sorted by name: images as
    ``float64`` arrays in [0, 1] of shape ``(H, W)``, masks as ``int64`` label arrays of
    the same shape (0/1 for binary masks); see the module docstring for the conversions.

    Raises ``ValueError`` naming the file for an unreadable, corrupt or empty (0-byte or
    0-pixel) file, an image without its mask or a mask without its image, and an image
    and mask of different shapes; and naming the folder when it holds no pair.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise ValueError(f"{folder}: not a folder")
    found = _index(folder, pattern, mask_suffix)
    for name in sorted(found):
        entry = found[name]
        if "mask" not in entry:
            want = f"{name}{mask_suffix}{{{','.join(EXTENSIONS)}}}"
            raise ValueError(f"{entry['image']}: image without its mask (no {want})")
        if "image" not in entry:
            raise ValueError(f"{entry['mask']}: mask without its image (no {name}.png/.tif)")
    if not found:
        raise ValueError(
            f"{folder}: no image/mask pairs (NAME.png with NAME{mask_suffix}.png, or .tif) "
            f"matching {pattern!r}"
        )
    images, masks, names = [], [], []
    for name in sorted(found):
        ip, mp = found[name]["image"], found[name]["mask"]
        img = _as_gray(ip, _read(ip, palette_to_rgb=True))
        mask = _as_labels(mp, _read(mp, palette_to_rgb=False))
        if img.shape != mask.shape:
            raise ValueError(f"{mp}: mask has shape {mask.shape}, its image {ip.name} {img.shape}")
        images.append(img)
        masks.append(mask)
        names.append(name)
    return ImagePairs(images, masks, names)


def save_image(path, array, *, bits: int = 8) -> Path:
    """Write a 2D array as a grayscale PNG, atomically (a temporary file in the same
    folder, then ``os.replace``).

    **Arguments:**

    - `path`: the file to write; its name must end in ``.png``.
    - `array`: ``(H, W)``: booleans (written 0/255, or 0/65535), floats in [0, 1]
      (quantised to ``bits``), or non-negative integers (written as they are; they must
      fit in ``bits``). An ``(H, W, 3)`` float or 8-bit array is written as RGB.
    - `bits`: 8 or 16 bits per sample.

    Returns the path.
    """
    path = Path(path)
    if path.suffix.lower() != ".png":
        raise ValueError(f"{path}: save_image writes PNG files; the name must end in .png")
    if bits not in (8, 16):
        raise ValueError(f"bits must be 8 or 16, got {bits!r}")
    a = np.asarray(array)
    rgb = a.ndim == 3 and a.shape[2] == 3
    if not (a.ndim == 2 or rgb) or a.size == 0:
        raise ValueError(f"{path}: array must be a non-empty (H, W) or (H, W, 3), got {a.shape}")
    if rgb and bits != 8:
        raise ValueError(f"{path}: RGB images are written with 8 bits, got bits={bits}")
    top = 2**bits - 1
    dtype = np.uint8 if bits == 8 else np.uint16
    if a.dtype == bool:
        out = a.astype(dtype) * top
    elif a.dtype.kind == "f":
        if not np.all(np.isfinite(a)) or a.min() < 0 or a.max() > 1:
            raise ValueError(f"{path}: float pixels must be finite and in [0, 1]")
        out = np.round(a * top).astype(dtype)
    elif a.dtype.kind in "iu":
        if a.min() < 0 or a.max() > top:
            raise ValueError(f"{path}: integer pixels must lie in [0, {top}] for bits={bits}")
        out = a.astype(dtype)
    else:
        raise TypeError(f"{path}: cannot write an array of dtype {a.dtype}")
    im = Image.fromarray(out)
    with atomic_write(path, "wb") as f:
        im.save(f, format="PNG")
    return path
