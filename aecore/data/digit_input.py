"""A person's own digit (drawn, photographed or uploaded) prepared the way MNIST was, and what a
model makes of it.

:func:`read_digit_image` decodes one uploaded PNG/JPEG safely (its size is read from the header
first, so decompression bombs are refused before a pixel is decoded). :func:`preprocess_digit`
turns a picture of one digit into a 28x28 MNIST-like image: grayscale on white paper, bright ink
on black, cropped to the ink, the longer side scaled to 20 pixels and centred by its centre of
mass. :func:`read_canvas_png` does for a drawing canvas' PNG (a base64 data URL from the
browser) what :func:`read_digit_image` does for an upload. :func:`fit_reference` fits, once per
model, what a single digit is compared with (PCA of the model's size, a neighbour index in code
and pixel space, KMeans on the codes, the training errors), and :func:`digit_report` compares one
digit with it.
"""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass

import numpy as np

from .upload_images import IMAGE_FORMATS, MAX_IMAGE_PIXELS, _png_size
from .upload_limits import _check_size

#: The side of an MNIST image and of the box its ink is scaled into.
DIGIT_SIDE = 28
INK_BOX = 20
#: A pixel is ink when it is this bright after the background is stretched to 0 and the ink to 1.
INK_THRESHOLD = 0.35
#: Values below this (paper texture, shadows, JPEG noise) are set to the black background.
NOISE_FLOOR = 0.2
#: The least difference between the paper and the darkest ink that counts as a digit at all.
MIN_CONTRAST = 0.15
#: Pictures are shrunk to this longer side before they are prepared: a digit needs no more.
WORKING_SIDE = 1024


def read_digit_image(data: bytes, name: str = "image"):
    """Decode one uploaded PNG or JPEG of a digit into a Pillow image, upright.

    The file size is checked first (:data:`aecore.data.upload_limits.MAX_UPLOAD_BYTES`), then the
    pixel count declared in its header (:data:`aecore.data.upload_images.MAX_IMAGE_PIXELS`), before
    any pixel is decoded. A phone photo's EXIF orientation is applied.

    Raises
    ------
    ValueError
        For an empty or oversized file, one that is not a PNG or JPEG, one that declares too many
        pixels, or damaged image data; the message says what to upload instead.
    """
    from PIL import Image, ImageOps, UnidentifiedImageError

    _check_size(data, name)
    declared = _png_size(data[:24])
    if declared is not None and declared[0] * declared[1] > MAX_IMAGE_PIXELS:
        raise _too_many_pixels(name, declared)
    try:
        with Image.open(io.BytesIO(data), formats=list(IMAGE_FORMATS)) as img:
            if img.size[0] * img.size[1] > MAX_IMAGE_PIXELS:
                raise _too_many_pixels(name, img.size)
            img.draft("RGB", (WORKING_SIDE, WORKING_SIDE))  # JPEG decodes at a reduced scale: cheaper.
            img.load()
            upright = ImageOps.exif_transpose(img)
            upright.thumbnail((WORKING_SIDE, WORKING_SIDE))
            return upright
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise _too_many_pixels(name, None) from exc
    except UnidentifiedImageError as exc:
        raise ValueError(f"The {name} is not a PNG or JPEG image; upload a photo or a PNG of one digit.") from exc
    except ValueError:
        raise
    except Exception as exc:  # Truncated data surfaces as OSError, SyntaxError, zlib errors, ...
        raise ValueError(f"The {name} could not be decoded (its image data are damaged or cut short); "
                         "save it again as PNG or JPEG and upload it again.") from exc


def _too_many_pixels(name: str, size) -> ValueError:
    shown = f" ({size[0]}x{size[1]})" if size else ""
    return ValueError(f"The {name}{shown} has more than {MAX_IMAGE_PIXELS:,} pixels, too many to decode "
                      "safely; upload a smaller photo of the digit.")


#: How a drawing canvas sends its picture: a PNG as a base64 data URL.
CANVAS_URL_PREFIX = "data:image/png;base64,"
#: Base64 characters that hold a PNG's signature and IHDR chunk (24 bytes, the declared size).
_PNG_HEADER_CHARS = 32


def canvas_payload_limit(max_side: int) -> int:
    """The most base64 characters a canvas of at most ``max_side`` x ``max_side`` pixels can send."""
    # A browser's PNG of that canvas is never larger than its RGBA pixels stored uncompressed (4
    # bytes a pixel, 1 filter byte a row), plus 64 KiB for chunk and zlib framing.
    return 4 * -(-(max_side * (4 * max_side + 1) + 64 * 1024) // 3)


def read_canvas_png(data_url, max_side: int) -> np.ndarray:
    """Decode a drawing canvas' PNG, sent by the browser as a base64 data URL, into RGBA pixels.

    The payload comes from the visitor's browser, which can send any PNG in its place. Its
    length is checked before it is base64-decoded (:func:`canvas_payload_limit`), and the width
    and height declared in its header before Pillow sees it, so a decompression bomb costs no
    memory.

    Parameters
    ----------
    data_url : str
        ``"data:image/png;base64,..."``, as ``streamlit-drawable-canvas`` sends it.
    max_side : int
        The most pixels a side of the canvas' image may have.

    Returns
    -------
    ndarray of shape (height, width, 4), uint8

    Raises
    ------
    ValueError
        For a payload that is not a base64 PNG data URL, one longer than a canvas of
        ``max_side`` pixels can send, one declaring a side over ``max_side`` (or of 0 pixels), or
        damaged image data; the message says to clear the canvas and draw again.
    """
    from PIL import Image

    again = "Clear the canvas and draw the digit again."
    if not isinstance(data_url, str) or not data_url.startswith(CANVAS_URL_PREFIX):
        shown = repr(data_url[:30]) if isinstance(data_url, str) else f"a {type(data_url).__name__}"
        raise ValueError(f"The drawing did not arrive as a PNG image (received {shown}, expected a "
                         f"{CANVAS_URL_PREFIX!r} data URL). {again}")
    encoded = data_url[len(CANVAS_URL_PREFIX):]
    limit = canvas_payload_limit(max_side)
    if len(encoded) > limit:
        raise ValueError(f"The drawing arrived as {len(encoded):,} characters of image data; a canvas of "
                         f"{max_side}x{max_side} pixels sends at most {limit:,}. {again}")
    try:
        declared = _png_size(base64.b64decode(encoded[:_PNG_HEADER_CHARS], validate=True))
    except ValueError as exc:  # binascii.Error for a bad character, ValueError for a non-ASCII one
        raise ValueError(f"The drawing's image data are not valid base64. {again}") from exc
    if declared is None:
        raise ValueError(f"The drawing is not a PNG image (its header is missing). {again}")
    width, height = declared
    if not (0 < width <= max_side and 0 < height <= max_side):
        raise ValueError(f"The drawing is {width}x{height} pixels; a canvas makes at most "
                         f"{max_side}x{max_side}. {again}")
    try:
        png = _pixel_chunks(base64.b64decode(encoded, validate=True))
        with Image.open(io.BytesIO(png), formats=["PNG"]) as img:
            return np.asarray(img.convert("RGBA"))
    except Exception as exc:  # Bad base64 or truncated data: binascii, OSError, SyntaxError, zlib errors, ...
        raise ValueError(f"The drawing's image data are damaged or cut short. {again}") from exc


#: The PNG chunks that make a canvas' pixels; every other one is dropped before Pillow reads it.
_PIXEL_CHUNKS = (b"IHDR", b"PLTE", b"tRNS", b"IDAT", b"IEND")


def _pixel_chunks(png: bytes) -> bytes:
    """The PNG with only the chunks that hold its pixel values."""
    # Pillow inflates compressed text and colour-profile chunks up to 64 MB in all, whatever the
    # pixel count: a few hundred KB of zTXt chunks would cost that much memory.
    kept, at = [png[:8]], 8
    while at + 12 <= len(png):
        end = at + 12 + int.from_bytes(png[at:at + 4], "big")
        kind = png[at + 4:at + 8]
        if kind in _PIXEL_CHUNKS:
            kept.append(png[at:end])
        if kind == b"IEND":
            break
        at = end
    return b"".join(kept)


def _gray(image) -> np.ndarray:
    """A picture as a 2-D float array in [0, 1], transparent parts composited on white paper."""
    from PIL import Image

    if isinstance(image, Image.Image):
        if image.size[0] * image.size[1] > MAX_IMAGE_PIXELS:
            raise _too_many_pixels("image", image.size)
        has_alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
        image = np.asarray(image.convert("RGBA") if has_alpha else image.convert("L"))
    array = np.asarray(image)
    if array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[2] not in (1, 3, 4)) or array.size == 0:
        raise ValueError(f"Expected a grayscale, RGB or RGBA image; got an array of shape {array.shape}. "
                         "Pass a 2-D array or one with 1, 3 or 4 colour channels.")
    if array.shape[0] * array.shape[1] > MAX_IMAGE_PIXELS:
        raise _too_many_pixels("image", (array.shape[1], array.shape[0]))
    if not np.issubdtype(array.dtype, np.number) or np.issubdtype(array.dtype, np.complexfloating):
        raise ValueError(f"Expected image values as numbers; got dtype {array.dtype}.")
    values = array.astype(np.float32)
    if not np.isfinite(values).all():
        raise ValueError("The image holds NaN or infinite values; pass pixel values from 0 to 255 or 0 to 1.")
    if array.dtype == np.uint8 or values.max() > 1.0:
        values /= 255.0
    values = np.clip(values, 0.0, 1.0)
    if values.ndim == 2:
        return values
    if values.shape[2] == 1:
        return values[..., 0]
    if values.shape[2] == 4:
        alpha = values[..., 3:]
        values = values[..., :3] * alpha + (1.0 - alpha)  # white paper behind transparent pixels
    return values[..., :3] @ np.array([0.299, 0.587, 0.114], dtype=np.float32)  # ITU-R 601, as Pillow's "L"


def _ink(gray: np.ndarray) -> np.ndarray:
    """Bright ink on a black background, stretched so the paper is 0 and the ink's peak 1."""
    border = np.concatenate([gray[0], gray[-1], gray[:, 0], gray[:, -1]])
    if np.median(border) > 0.5:  # light paper: dark ink becomes bright, as in MNIST
        gray, border = 1.0 - gray, 1.0 - border
    paper = float(np.median(border))
    peak = float(np.percentile(gray, 99.9))
    if peak - paper < MIN_CONTRAST:
        raise ValueError("The image shows no digit (no ink darker than the paper was found); draw a digit, or "
                         "upload a photo of one written in dark ink on light paper.")
    ink = np.clip((gray - paper) / (peak - paper), 0.0, 1.0)
    ink[ink < NOISE_FLOOR] = 0.0
    return ink


def preprocess_digit(image) -> np.ndarray:
    """Prepare a picture of one digit the way MNIST's digits were prepared.

    Parameters
    ----------
    image : PIL.Image.Image or ndarray
        Grayscale (H, W), RGB (H, W, 3) or RGBA (H, W, 4), uint8 0-255 or float 0-1. Transparent
        pixels are white paper (a drawing canvas' empty background).

    Returns
    -------
    ndarray of shape (28, 28), float32 in [0, 1]
        Bright ink on black: the picture is inverted when its border is light, cropped to the
        ink's bounding box, scaled (aspect kept, Lanczos) so its longer side is 20 pixels, and
        placed in a 28x28 field with its centre of mass at pixel (14, 14), as in MNIST.

    Raises
    ------
    ValueError
        For an image with no ink, an array that is not an image, or one over
        :data:`aecore.data.upload_images.MAX_IMAGE_PIXELS` pixels.

    Examples
    --------
    >>> canvas = np.full((200, 200), 255, np.uint8); canvas[40:160, 95:105] = 0  # a "1"
    >>> preprocess_digit(canvas).shape
    (28, 28)
    """
    from PIL import Image
    from scipy import ndimage

    ink = _ink(_gray(image))
    rows, columns = np.flatnonzero((ink > INK_THRESHOLD).any(axis=1)), np.flatnonzero((ink > INK_THRESHOLD).any(axis=0))
    if not len(rows):
        raise ValueError("The image shows no digit (no ink stroke was found); draw a digit, or upload a photo "
                         "of one written in dark ink on light paper.")
    crop = ink[rows[0]:rows[-1] + 1, columns[0]:columns[-1] + 1]
    height, width = crop.shape
    scale = INK_BOX / max(height, width)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    small = np.asarray(Image.fromarray(crop, mode="F").resize(size, Image.Resampling.LANCZOS), dtype=np.float32)
    small = np.clip(small, 0.0, 1.0)
    if small.sum() <= 0:
        raise ValueError("The digit's strokes are too thin to survive scaling to 20 pixels; draw it with a "
                         "thicker pen or larger.")
    small /= small.max()  # MNIST's strokes peak at full brightness; a thin stroke loses some in scaling
    mass_row, mass_column = ndimage.center_of_mass(small)
    # MNIST's digits have their centre of mass at pixel (14, 14) (the mean over the sample;
    # integer shifts), half a pixel past the field's middle: match it, not the geometry.
    centre = DIGIT_SIDE / 2
    top = int(np.clip(round(centre - mass_row), 0, DIGIT_SIDE - small.shape[0]))
    left = int(np.clip(round(centre - mass_column), 0, DIGIT_SIDE - small.shape[1]))
    digit = np.zeros((DIGIT_SIDE, DIGIT_SIDE), dtype=np.float32)
    digit[top:top + small.shape[0], left:left + small.shape[1]] = small
    return digit


# --------------------------------------------------------------------------- what a model makes of it


def anomaly_percentile(error: float, training_errors) -> float:
    """The share (0-100) of training errors strictly below ``error``: "stranger than p % of them"."""
    training_errors = np.asarray(training_errors, dtype=np.float64).ravel()
    if training_errors.size == 0:
        raise ValueError("training_errors is empty; pass the reconstruction errors of the training rows.")
    return float(100.0 * np.mean(training_errors < float(error)))


@dataclass(frozen=True)
class DigitNeighbours:
    """The nearest training rows of one digit in one space, and how many share the majority label."""

    indices: np.ndarray
    distances: np.ndarray
    labels: np.ndarray | None
    majority: int | None
    n_majority: int

    @property
    def share(self) -> float | None:
        return None if self.labels is None else self.n_majority / len(self.indices)


def _neighbours(index, point: np.ndarray, labels: np.ndarray | None, n_neighbors: int) -> DigitNeighbours:
    distances, indices = index.kneighbors(point[None, :], n_neighbors=n_neighbors)
    indices, distances = indices[0], distances[0]
    if labels is None:
        return DigitNeighbours(indices, distances, None, None, 0)
    found = labels[indices]
    values, counts = np.unique(found, return_counts=True)
    return DigitNeighbours(indices, distances, found, int(values[np.argmax(counts)]), int(counts.max()))


@dataclass(frozen=True, eq=False)
class DigitReference:
    """What one digit is compared with, fitted once per model on its training rows."""

    pca: object               # PCA with the model's latent size, on the training pixels
    code_index: object        # NearestNeighbors on the training codes
    pixel_index: object       # NearestNeighbors on the training pixels
    kmeans: object            # KMeans on the training codes
    map_pca: object | None    # PCA(2) of the codes for the latent map; None when the codes are 2-D
    map_points: np.ndarray    # the training codes on that map
    cluster_labels: np.ndarray
    training_errors: np.ndarray
    y: np.ndarray | None

    @property
    def n_clusters(self) -> int:
        return int(self.kmeans.n_clusters)


def fit_reference(X_train, codes_train, errors_train, n_components: int, y_train=None,
                  n_clusters: int | None = None, random_state: int = 0) -> DigitReference:
    """Fit what :func:`digit_report` compares a digit with: PCA of ``n_components`` on the
    training pixels, neighbour indexes on the codes and on the pixels, KMeans on the codes
    (``n_clusters`` defaults to the number of distinct labels, else 10) and a 2-D map of the codes.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> X = rng.random((60, 16)); codes = X[:, :3]
    >>> fit_reference(X, codes, X.var(axis=1), 3).n_clusters
    10
    """
    from sklearn.cluster import KMeans
    from sklearn.decomposition import PCA
    from sklearn.neighbors import NearestNeighbors

    X_train, codes_train = np.asarray(X_train, np.float32), np.asarray(codes_train, np.float32)
    errors_train = np.asarray(errors_train, np.float64).ravel()
    if not (len(X_train) == len(codes_train) == len(errors_train)):
        raise ValueError(f"X_train, codes_train and errors_train must have one row per training sample; got "
                         f"{len(X_train)}, {len(codes_train)} and {len(errors_train)} rows.")
    y = None if y_train is None else np.asarray(y_train).ravel()
    if n_clusters is None:
        n_clusters = len(np.unique(y)) if y is not None and len(np.unique(y)) > 1 else 10
    if not 2 <= n_clusters <= len(X_train):
        raise ValueError(f"n_clusters={n_clusters} must be between 2 and the number of training rows "
                         f"({len(X_train)}); choose fewer clusters.")
    if not 1 <= n_components < min(X_train.shape):
        raise ValueError(f"n_components={n_components} must be smaller than both the number of training rows and "
                         f"of features {X_train.shape}.")
    pca = PCA(n_components=n_components, random_state=random_state).fit(X_train)
    kmeans = KMeans(n_clusters=n_clusters, n_init=4, random_state=random_state).fit(codes_train)
    map_pca = PCA(2, random_state=random_state).fit(codes_train) if codes_train.shape[1] > 2 else None
    map_points = codes_train[:, :2] if map_pca is None else map_pca.transform(codes_train)
    return DigitReference(pca=pca, code_index=NearestNeighbors().fit(codes_train),
                          pixel_index=NearestNeighbors().fit(X_train), kmeans=kmeans, map_pca=map_pca,
                          map_points=map_points.astype(np.float32), cluster_labels=kmeans.labels_,
                          training_errors=errors_train, y=y)


@dataclass(frozen=True)
class DigitReport:
    """What a model makes of one digit (all arrays flat, one entry per pixel or code)."""

    image: np.ndarray
    code: np.ndarray
    ae_reconstruction: np.ndarray
    ae_error: float
    pca_reconstruction: np.ndarray
    pca_error: float
    code_neighbours: DigitNeighbours
    pixel_neighbours: DigitNeighbours
    anomaly_percentile: float
    cluster: int
    cluster_size: int
    cluster_majority: int | None
    cluster_share: float | None
    map_point: np.ndarray


def digit_report(image, reducer, reference: DigitReference, n_neighbors: int = 8) -> DigitReport:
    """Encode one prepared digit and compare it with the model's training rows.

    Parameters
    ----------
    image : ndarray of shape (28, 28) or (784,)
        A digit from :func:`preprocess_digit` (any image the model's input size fits).
    reducer : fitted AutoencoderReducer
    reference : DigitReference
        From :func:`fit_reference` on the same model.
    n_neighbors : int
        How many nearest training rows to find in code space and in pixel space.

    Returns
    -------
    DigitReport
        The code, the autoencoder's and PCA's reconstructions with their mean squared errors, the
        nearest training rows in each space, the share of training errors below this digit's
        (its anomaly percentile), its KMeans cluster and its place on the 2-D map of the codes.
    """
    x = np.asarray(image, dtype=np.float32).reshape(1, -1)
    n_features = reference.pca.n_features_in_
    if x.shape[1] != n_features:
        raise ValueError(f"The digit has {x.shape[1]} pixels but the model takes {n_features}; "
                         "prepare it with preprocess_digit for a 28x28 model.")
    n_rows = len(reference.training_errors)
    if not 1 <= n_neighbors <= n_rows:
        raise ValueError(f"n_neighbors={n_neighbors} must be between 1 and the number of training rows ({n_rows}).")
    code = np.asarray(reducer.transform(x), dtype=np.float32)
    ae = np.asarray(reducer.reconstruct(x), dtype=np.float32)
    pca = reference.pca.inverse_transform(reference.pca.transform(x)).astype(np.float32)
    # The reducer's own per-sample error, so this digit is scored exactly as the training rows were.
    ae_error, pca_error = float(reducer.reconstruction_error(x)[0]), float(np.mean((x - pca) ** 2))
    cluster = int(reference.kmeans.predict(code)[0])
    members = reference.cluster_labels == cluster
    majority = share = None
    if reference.y is not None and members.any():
        values, counts = np.unique(reference.y[members], return_counts=True)
        majority, share = int(values[np.argmax(counts)]), float(counts.max() / members.sum())
    point = code[:, :2] if reference.map_pca is None else reference.map_pca.transform(code)
    return DigitReport(
        image=x[0], code=code[0], ae_reconstruction=ae[0], ae_error=ae_error,
        pca_reconstruction=pca[0], pca_error=pca_error,
        code_neighbours=_neighbours(reference.code_index, code[0], reference.y, n_neighbors),
        pixel_neighbours=_neighbours(reference.pixel_index, x[0], reference.y, n_neighbors),
        anomaly_percentile=anomaly_percentile(ae_error, reference.training_errors),
        cluster=cluster, cluster_size=int(members.sum()), cluster_majority=majority, cluster_share=share,
        map_point=np.asarray(point[0], dtype=np.float32))
