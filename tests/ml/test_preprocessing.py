"""Image decoding and normalisation: polarity, EXIF, alpha, palette, sizes."""

import numpy as np
from PIL import Image

from ml import synth
from ml.synth import Style

from .conftest import digits_for, numbers_of, png_bytes


def photo(clear_digits, number="427", **style):
    rng = np.random.default_rng(3)
    return synth.render_number(digits_for(clear_digits, number), rng, Style(**style), height=48)


def test_it_reads_dark_ink_on_paper(reader, clear_digits):
    result = reader.read(synth.encode(photo(clear_digits), 90))
    assert numbers_of(result) == ["427"]
    assert [d["digit"] for d in result["numbers"][0]["digits"]] == ["4", "2", "7"]


def test_it_reads_light_writing_on_a_dark_background(reader, clear_digits):
    image = photo(clear_digits, "3508")
    assert numbers_of(reader.read(synth.encode(255 - image, None))) == ["3508"]


def test_it_reads_blue_and_red_ink(reader, clear_digits):
    for ink in (synth.INKS["blue"], synth.INKS["red"]):
        assert numbers_of(reader.read(synth.encode(photo(clear_digits, "96", ink=ink), 85))) == ["96"]


def test_it_applies_exif_orientation_and_reports_upright_size(reader, clear_digits):
    upright = photo(clear_digits, "153")
    stored = Image.fromarray(np.rot90(upright).copy())  # the camera stored it turned a quarter left
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 degrees clockwise to display"
    result = reader.read(png_bytes(stored, format="JPEG", quality=92, exif=exif))
    assert numbers_of(result) == ["153"]
    assert (result["width"], result["height"]) == (upright.shape[1], upright.shape[0])


def test_it_composites_transparent_images_on_white(reader, clear_digits):
    gray = photo(clear_digits, "27").min(axis=2)
    rgba = np.zeros((*gray.shape, 4), np.uint8)
    rgba[..., 3] = 255 - gray  # black strokes, transparent paper
    result = reader.read(png_bytes(Image.fromarray(rgba, "RGBA")))
    assert numbers_of(result) == ["27"]


def test_it_reads_palette_images(reader, clear_digits):
    image = Image.fromarray(photo(clear_digits, "805")).convert(
        "P", palette=Image.Palette.ADAPTIVE, colors=16
    )
    assert numbers_of(reader.read(png_bytes(image))) == ["805"]


def test_it_reads_a_raw_mnist_digit(reader, clear_digits):
    result = reader.read(png_bytes(Image.fromarray(clear_digits[6][0])))
    assert numbers_of(result) == ["6"]
    assert (result["width"], result["height"]) == (28, 28)
    box = result["numbers"][0]["box"]
    assert 0 <= box[0] and box[0] + box[2] <= 28 and box[1] + box[3] <= 28


def test_it_downscales_huge_photos_and_maps_boxes_back(reader, clear_digits):
    rng = np.random.default_rng(5)
    image = synth.render_number(digits_for(clear_digits, "72"), rng, Style(), height=900)
    result = reader.read(synth.encode(image, 90))
    assert numbers_of(result) == ["72"]
    x, y, w, h = result["numbers"][0]["box"]
    assert (result["width"], result["height"]) == (image.shape[1], image.shape[0])
    assert 700 < h < 1200 and w > 900  # in original pixels, not working pixels


def test_it_keeps_the_result_json_serializable(reader, clear_digits):
    import json

    result = reader.read(synth.encode(photo(clear_digits), 90))
    assert json.loads(json.dumps(result)) == result
    assert set(result) == {"numbers", "needs_review", "elapsed_ms", "width", "height"}
