"""Bad input gets a clear UnreadableImage, never a crash or a memory blow-up."""

import struct
import subprocess
import sys
import zlib

import pytest

from ml.load import UnreadableImage, load_image

MB = 1024 * 1024


def png_header(width: int, height: int) -> bytes:
    """A PNG that claims width x height pixels but carries (almost) no data."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\0" * 64))
        + chunk(b"IEND", b"")
    )


def test_it_rejects_an_empty_file(tmp_path):
    empty = tmp_path / "empty.jpg"
    empty.write_bytes(b"")
    for source in (b"", empty):
        with pytest.raises(UnreadableImage, match="empty"):
            load_image(source)


def test_it_rejects_text_named_png(tmp_path):
    fake = tmp_path / "homework.png"
    fake.write_text("these are not the pixels you are looking for\n")
    with pytest.raises(UnreadableImage, match="not an image"):
        load_image(fake)


def test_it_rejects_a_truncated_jpeg():
    import numpy as np

    from ml import synth

    photo = synth.encode(np.full((200, 300, 3), 200, np.uint8), 90)
    with pytest.raises(UnreadableImage, match="damaged"):
        load_image(photo[: len(photo) // 2])


def test_it_refuses_images_over_the_pixel_limit_before_decoding():
    with pytest.raises(UnreadableImage, match="too large"):
        load_image(png_header(8000, 6000), max_pixels=40_000_000)


def test_it_refuses_a_20000_square_bomb_with_bounded_memory(tmp_path):
    bomb = tmp_path / "bomb.png"
    bomb.write_bytes(png_header(20000, 20000))
    script = (
        "import sys\n"
        "from ml.load import UnreadableImage, load_image\n"
        "try:\n    load_image(sys.argv[1])\nexcept UnreadableImage as e:\n    print('refused:', e)\n"
        # VmHWM, not ru_maxrss: the latter survives exec and reports the (big) pytest parent.
        "print(next(l.split()[1] for l in open('/proc/self/status') if l.startswith('VmHWM')))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(bomb)], capture_output=True, text=True, check=True
    )
    message, peak_kb = done.stdout.splitlines()
    assert message.startswith("refused:") and "too large" in message
    assert int(peak_kb) * 1024 < 300 * MB  # decoding it would take 1.2 GB
