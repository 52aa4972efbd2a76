"""Valid seed files and a hypothesis strategy that damages them like a hostile client would."""

from __future__ import annotations

import functools
import io
import struct
import zlib

from hypothesis import strategies as st
from PIL import Image

from tests.predictor import images


@functools.cache
def seeds() -> dict[str, bytes]:
    """One small valid file per accepted format: mutations start from real structure, not noise."""
    png = images.number_png("427", size=(120, 60))
    rgba = io.BytesIO()
    Image.open(io.BytesIO(png)).convert("RGBA").save(rgba, "PNG")
    return {
        "png": png,
        "png_rgba": rgba.getvalue(),
        "jpeg": images.jpeg_with_exif(png, orientation=6),
        "webp": images.reencode(png, "WEBP", quality=60),
        "pdf": images.pdf(pages=1),
    }


def _flip(data: bytes, position: int, bit: int) -> bytes:
    if not data:
        return data
    position %= len(data)
    return data[:position] + bytes([data[position] ^ (1 << bit)]) + data[position + 1 :]


def _overwrite(data: bytes, position: int, chunk: bytes) -> bytes:
    # Headers live in the first bytes: bias writes there, where the parsers make decisions.
    position %= max(len(data), 1)
    return data[:position] + chunk + data[position + len(chunk) :]


def _splice(data: bytes, other: bytes, at: float, start: float, length: int) -> bytes:
    cut = int(len(data) * at)
    begin = int(len(other) * start)
    return data[:cut] + other[begin : begin + length] + data[cut:]


MUTATIONS = st.one_of(
    st.tuples(st.just("flip"), st.integers(0, 10**6), st.integers(0, 7)),
    st.tuples(st.just("head"), st.integers(0, 64), st.binary(min_size=1, max_size=8)),
    st.tuples(st.just("anywhere"), st.integers(0, 10**6), st.binary(min_size=1, max_size=16)),
    st.tuples(st.just("truncate"), st.floats(0, 1)),
    st.tuples(
        st.just("splice"),
        st.sampled_from(sorted(seeds())),
        st.floats(0, 1),
        st.floats(0, 1),
        st.integers(1, 2048),
    ),  # fmt: skip
    st.tuples(
        st.just("big"),
        st.integers(0, 64),
        st.sampled_from(
            [b"\xff\xff\xff\xff", b"\x7f\xff\xff\xff", b"\x00\x00\x00\x00", b"\xff\xff", b"\x80\x00\x00\x00"]
        ),
    ),  # fmt: skip
)


def mutate(data: bytes, mutation: tuple) -> bytes:
    kind, *args = mutation
    if kind == "flip":
        return _flip(data, *args)
    if kind in ("head", "anywhere", "big"):
        return _overwrite(data, *args)
    if kind == "truncate":
        return data[: int(len(data) * args[0])]
    return _splice(data, seeds()[args[0]], *args[1:])


@st.composite
def mutated_files(draw, formats=None) -> tuple[str, bytes]:
    name = draw(st.sampled_from(sorted(formats or seeds())))
    data = seeds()[name]
    for mutation in draw(st.lists(MUTATIONS, min_size=1, max_size=4)):
        data = mutate(data, mutation)
    return name, data


# --- Bombs: small files that claim (or decode to) a huge number of pixels.


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png_claiming(width: int, height: int, depth: int = 8, colour: int = 2, body: bytes = b"") -> bytes:
    ihdr = struct.pack(">IIBBBBB", width, height, depth, colour, 0, 0, 0)
    idat = zlib.compress(body or b"\0" * 64, 9)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", ihdr)
        + _png_chunk(b"IDAT", idat)
        + _png_chunk(b"IEND", b"")
    )


def compressible_png(width: int, height: int) -> bytes:
    """A real, fully decodable RGB PNG that is all white: kilobytes on the wire, megapixels decoded."""
    row = b"\0" + b"\xff" * (3 * width)
    body = zlib.compressobj(9)
    data = b"".join(body.compress(row) for _ in range(height)) + body.flush()
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", ihdr)
        + _png_chunk(b"IDAT", data)
        + _png_chunk(b"IEND", b"")
    )


def jpeg_claiming(width: int, height: int) -> bytes:
    """A small valid JPEG whose SOF0 header is rewritten to claim width x height."""
    data = images.reencode(images.number_png(size=(64, 32)), "JPEG")
    sof = data.index(b"\xff\xc0")
    # SOF0: marker(2) length(2) precision(1) height(2) width(2)
    return data[: sof + 5] + struct.pack(">HH", height, width) + data[sof + 9 :]


def webp_claiming(width: int, height: int) -> bytes:
    """A lossless WebP (VP8L) whose header is rewritten to claim width x height (max 16384)."""
    data = images.reencode(images.number_png(size=(64, 32)), "WEBP", lossless=True)
    start = data.index(b"VP8L") + 8  # chunk tag(4) + size(4), then signature byte 0x2f
    bits = int.from_bytes(data[start + 1 : start + 5], "little")
    bits = (bits & ~0xFFFFFFF) | (width - 1) | ((height - 1) << 14)
    return data[: start + 1] + bits.to_bytes(4, "little") + data[start + 5 :]
