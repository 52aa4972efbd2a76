"""The digit classifier and its training-time augmentation (TensorFlow).

Only training imports this module. Serving uses the exported LiteRT file
through ml.reader, so worker processes never load TensorFlow.
"""

from __future__ import annotations

import math

import keras
import tensorflow as tf
from keras import layers

from ml.signs import BLANK

INPUT_SHAPE = (28, 28, 1)


def build_model(width: int = 32, dropout: float = 0.4, classes: int = 11) -> keras.Model:
    """A small all-convolutional net: ~325k parameters at width 32.

    Strided 5x5 convolutions replace max-pooling; they learn their own
    down-sampling, which measured better than pooling on MNIST at this size.
    Classes 0-9 are the digits; class 10 (ml.compose.REJECT) is "not one
    digit", which lets the reader tell a good cut from a merged pair.
    """
    inputs = keras.Input(INPUT_SHAPE, name="digits")
    x = inputs
    for filters in (width, width * 2):
        x = _conv(x, filters, 3)
        x = _conv(x, filters, 3)
        x = _conv(x, filters, 5, strides=2, padding="same")
        x = layers.Dropout(dropout)(x)
    x = _conv(x, width * 4, 4)
    x = layers.Flatten()(x)
    x = layers.Dropout(dropout)(x)
    outputs = layers.Dense(classes, activation="softmax", name="probabilities")(x)
    return keras.Model(inputs, outputs, name="digitsight_cnn")


def _conv(x, filters: int, size: int, strides: int = 1, padding: str = "valid"):
    x = layers.Conv2D(filters, size, strides=strides, padding=padding, use_bias=False)(x)
    x = layers.BatchNormalization()(x)
    return layers.Activation("relu")(x)


def augment(images: tf.Tensor, seed: tf.Tensor | None = None) -> tf.Tensor:
    """Distort a batch of (N, 28, 28, 1) float images in [0, 1].

    The distortions mimic what segmentation hands the classifier from real
    photos: slanted and rotated writing, imperfect size normalization, pens
    thinner or thicker than MNIST's, focus blur and sensor noise.
    """
    n = tf.shape(images)[0]
    images = _random_affine(images, n)
    images = _random_thickness(images, n)
    images = _random_blur(images, n)
    noise = tf.random.normal(tf.shape(images), stddev=0.04)
    noisy = tf.random.uniform([n, 1, 1, 1]) < 0.2
    images = tf.where(noisy, images + noise, images)
    return tf.clip_by_value(images, 0.0, 1.0)


def _random_affine(images: tf.Tensor, n: tf.Tensor) -> tf.Tensor:
    def uniform(low, high):
        return tf.random.uniform([n], low, high)

    angle = uniform(-10.0, 10.0) * (math.pi / 180.0)
    shear = uniform(-0.2, 0.2)
    scale = uniform(0.88, 1.12)
    aspect = uniform(0.92, 1.08)
    sx, sy = scale * aspect, scale / aspect
    tx, ty = uniform(-2.5, 2.5), uniform(-2.5, 2.5)
    cos, sin = tf.cos(angle), tf.sin(angle)
    # Forward map A = R * Shear * S about the centre; the op wants the inverse
    # (output pixel -> input pixel), which we compute in closed form.
    a00, a01 = cos * sx, (cos * shear - sin) * sy
    a10, a11 = sin * sx, (sin * shear + cos) * sy
    det = a00 * a11 - a01 * a10
    i00, i01, i10, i11 = a11 / det, -a01 / det, -a10 / det, a00 / det
    c = 13.5
    ox, oy = c + tx, c + ty
    b0 = c - (i00 * ox + i01 * oy)
    b1 = c - (i10 * ox + i11 * oy)
    zeros = tf.zeros([n])
    transforms = tf.stack([i00, i01, b0, i10, i11, b1, zeros, zeros], axis=1)
    return tf.raw_ops.ImageProjectiveTransformV3(
        images=images,
        transforms=transforms,
        output_shape=tf.constant([28, 28]),
        fill_value=0.0,
        interpolation="BILINEAR",
        fill_mode="CONSTANT",
    )


def _random_thickness(images: tf.Tensor, n: tf.Tensor) -> tf.Tensor:
    dilated = tf.nn.max_pool2d(images, 2, 1, "SAME")
    eroded = -tf.nn.max_pool2d(-images, 2, 1, "SAME")
    choice = tf.random.uniform([n, 1, 1, 1])
    images = tf.where(choice < 0.12, dilated, images)
    return tf.where(choice > 0.9, eroded, images)


def _random_blur(images: tf.Tensor, n: tf.Tensor) -> tf.Tensor:
    kernel = tf.constant([[1.0, 2.0, 1.0], [2.0, 4.0, 2.0], [1.0, 2.0, 1.0]]) / 16.0
    blurred = tf.nn.conv2d(images, tf.reshape(kernel, [3, 3, 1, 1]), 1, "SAME")
    return tf.where(tf.random.uniform([n, 1, 1, 1]) < 0.1, blurred, images)


LINE_CLASSES = BLANK + 1  # ml.signs.VOCAB (digits, "-", ".", "/") and the CTC blank


def build_line_model(width: int = 16, dropout: float = 0.2) -> keras.Model:
    """A fully convolutional CTC reader for a number strip (32 x W): ~260k parameters at width 16.

    Two 2x2 poolings leave one frame per 4 columns (about five per digit);
    a (4, 1) convolution folds the remaining rows, and two 1-D convolutions
    along the strip give each frame about two digits of context. The output
    is (batch, 1, W / 4, 14) logits; index 13 (ml.signs.BLANK) is the CTC blank. Everything is
    a convolution, so LiteRT serves any strip width.
    """
    inputs = keras.Input((32, None, 1), name="strips")
    x = _conv_same(inputs, width)
    x = layers.MaxPooling2D(2)(x)
    x = _conv_same(x, width * 2)
    x = layers.MaxPooling2D(2)(x)
    x = _conv_same(x, width * 4)
    x = _conv_same(x, width * 4)
    x = layers.MaxPooling2D((2, 1))(x)
    x = _conv_same(x, width * 8, (4, 1), padding="valid")
    x = layers.Dropout(dropout)(x)
    x = _conv_same(x, width * 8, (1, 5))
    x = layers.Dropout(dropout)(x)
    x = _conv_same(x, width * 8, (1, 5))
    outputs = layers.Conv2D(LINE_CLASSES, 1, name="logits")(x)
    return keras.Model(inputs, outputs, name="digitsight_lines")


def _conv_same(x, filters: int, size=(3, 3), padding: str = "same"):
    x = layers.Conv2D(filters, size, padding=padding, use_bias=False)(x)
    x = layers.BatchNormalization()(x)
    return layers.Activation("relu")(x)
