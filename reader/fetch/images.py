"""An article's image: fetched politely (size cap, `Accept: image/*`, the full-text address guard), checked by
its first bytes, decoded and scaled with Pillow (a pixel cap against decompression bombs). No Textual here:
the UI gets a decoded picture, or a FetchError / ImageError with one line saying why not.

Pillow is imported when the first image is decoded, never at start-up.
"""

from __future__ import annotations

import io
import time
import warnings
from typing import TYPE_CHECKING

from reader.errors import FetchError, ImageError
from reader.fetch.client import PoliteClient
from reader.fetch.fulltext import link_allowed, resolves_public
from reader.frozen import Frozen, value_type
from reader.textsafe import clean_text

if TYPE_CHECKING:
    from PIL.Image import Image as PILImage

MiB = 1024 * 1024
IMAGE_ACCEPT = "image/avif,image/webp,image/png,image/jpeg,image/gif,image/*;q=0.8"
MAX_IMAGE_BYTES = 10 * MiB
# Decoded, an image of this many pixels takes ~160 MB as RGBA: more is refused before a pixel is decoded
# (a few kilobytes of PNG can claim a 50,000 x 50,000 canvas).
MAX_PIXELS = 40_000_000


_COMMON = frozenset(("png", "jpeg", "gif", "bmp", "webp"))  # formats every Pillow build decodes


@value_type
class FetchedImage(Frozen):
    """An image's bytes as the server sent them, after the checks on its first bytes."""

    url: str
    final_url: str
    kind: str  # "png", "jpeg", "gif", "webp", "bmp", "tiff", "ico", "avif"
    body: bytes
    seconds: float = 0.0  # the fetch, start to last byte


@value_type
class DecodedImage(Frozen):
    """A decoded picture scaled to fit what the viewer can show (RGB or RGBA), and its own size."""

    image: PILImage
    width: int  # the picture's own size, before scaling
    height: int
    kind: str
    seconds: float = 0.0  # decoding and scaling


@value_type
class ImageLoad(Frozen):
    """What the viewer asked for: the decoded picture, or one line saying why there is none."""

    url: str
    image: DecodedImage | None
    error: str | None = None
    fetch_seconds: float = 0.0
    from_cache: bool = False


def sniff(body: bytes) -> str | None:
    """The image format by its first bytes (what the server says is only a hint); "svg" for a drawing."""
    head = body[:32]
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "gif"
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "webp"
    if head.startswith(b"BM"):
        return "bmp"
    if head.startswith((b"II*\x00", b"MM\x00*")):
        return "tiff"
    if head.startswith(b"\x00\x00\x01\x00"):
        return "ico"
    if head[4:8] == b"ftyp" and head[8:12] in (b"avif", b"avis"):
        return "avif"
    text = body[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith((b"<svg", b"<?xml")) and b"<svg" in body[:4096].lower():
        return "svg"
    return None


def _describe(content_type: str) -> str:
    kind = content_type.split(";")[0].strip().lower()
    return clean_text(kind, 80) if kind else "no content type"


async def fetch_image(
    client: PoliteClient, url: str, feed_url: str, *, max_bytes: int = MAX_IMAGE_BYTES
) -> FetchedImage:
    """Fetch the image at `url` for an item of the feed at `feed_url`. Raises FetchError (not found, too
    large, timed out, a private address) or ImageError (not an image, an SVG) with one line."""
    shown = clean_text(url, 200)
    if not await resolves_public(url, feed_url):
        raise FetchError(f"not fetching {shown}: only images on the public web are fetched")
    started = time.monotonic()
    result = await client.get(
        url, accept=IMAGE_ACCEPT, url_filter=lambda u: link_allowed(u, feed_url), max_bytes=max_bytes
    )
    content_type = result.headers.get("content-type", "")
    kind = sniff(result.body)
    if kind == "svg" or "svg" in content_type.lower():
        raise ImageError("it is an SVG drawing, which cannot be drawn here (o opens it in the browser)")
    if kind is None:
        if not result.body:
            raise ImageError("the server sent an empty body")
        raise ImageError(f"not an image (the server sent {_describe(content_type)})")
    return FetchedImage(url, result.final_url, kind, result.body, time.monotonic() - started)


def decode_image(fetched: FetchedImage, fit: tuple[int, int]) -> DecodedImage:
    """Decode (the first frame of an animation) and scale down to fit `fit` (pixels, width x height),
    keeping the aspect ratio. Raises ImageError for corrupt bytes, an unknown format or too many pixels."""
    started = time.monotonic()
    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            picture: PILImage = Image.open(io.BytesIO(fetched.body))
            width, height = picture.size
            if width * height > MAX_PIXELS:
                raise ImageError(
                    f"too large to show ({width:,} x {height:,} pixels; the limit is {MAX_PIXELS:,})"
                )
            target = (max(1, fit[0]), max(1, fit[1]))
            picture.draft("RGB", target)  # JPEG: decode at a reduced scale straight away (much faster)
            picture.load()
            if picture.mode not in ("RGB", "RGBA"):
                rgba = picture.mode in ("P", "PA", "LA", "La", "RGBa") or "transparency" in picture.info
                picture = picture.convert("RGBA" if rgba else "RGB")
            picture.thumbnail(target)  # bicubic, reducing by whole factors first (Pillow's default)
    except ImageError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageError(f"too large to show (more than {MAX_PIXELS:,} pixels)") from None
    except UnidentifiedImageError:
        if fetched.kind in _COMMON:
            raise ImageError(
                f"the image data is corrupt (it starts as a {fetched.kind.upper()} but is not one)"
            ) from None
        raise ImageError(
            f"an {fetched.kind.upper()} image, which cannot be decoded here (o opens it in the browser)"
        ) from None
    except (OSError, SyntaxError, ValueError, EOFError, MemoryError) as exc:
        reason = clean_text(str(exc), 120) or type(exc).__name__
        raise ImageError(f"the image data is corrupt or cut short ({reason})") from None
    return DecodedImage(picture, width, height, fetched.kind, time.monotonic() - started)


__all__ = [
    "DecodedImage",
    "FetchError",
    "FetchedImage",
    "ImageError",
    "ImageLoad",
    "decode_image",
    "fetch_image",
    "sniff",
]
