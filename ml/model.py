"""The digit classifier and its training-time augmentation (TensorFlow).

Only training imports this module. Serving uses the exported LiteRT file
through ml.reader, so worker processes never load TensorFlow.
"""

from __future__ import annotations

import math

import keras
import numpy as np
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


def warm_start(model: keras.Model, tflite_path, sample: np.ndarray) -> None:
    """Load a shipped digits.tflite's weights into `model` (built by build_model).

    The export folded each batch normalisation into its convolution: kernel
    K' and bias b'. The kernel goes back into the convolution; the
    normalisation gets the statistics of K' * x on `sample` (training digits),
    with scale and offset chosen so that it still adds exactly b'. So the
    model starts as the shipped one in inference *and* close to it in
    training mode, where batch statistics replace the moving ones.
    """
    from ai_edge_litert.interpreter import Interpreter

    interpreter = Interpreter(model_path=str(tflite_path))
    tensors = {d["name"]: d for d in interpreter.get_tensor_details()}
    convs = [layer for layer in model.layers if isinstance(layer, layers.Conv2D)]
    norms = [layer for layer in model.layers if isinstance(layer, layers.BatchNormalization)]
    names = sorted({_conv_name(n) for n in tensors if n.endswith("/convolution")}, key=_conv_order)
    if len(names) != len(convs):
        raise ValueError(f"{tflite_path}: {len(names)} convolutions, the model has {len(convs)}")
    biases = {}
    for conv, norm, name in zip(convs, norms, names, strict=True):
        kernel = interpreter.get_tensor(tensors[f"{_prefix(tensors)}/{name}/convolution"]["index"])
        conv.set_weights([np.transpose(kernel, (1, 2, 3, 0))])  # LiteRT OHWI -> Keras HWIO
        biases[norm.name] = _folded_bias(interpreter, tensors, name)
    dense = next(layer for layer in model.layers if isinstance(layer, layers.Dense))
    matmul = [n for n in tensors if n.endswith("/MatMul") and len(tensors[n]["shape"]) == 2]
    bias = [n for n in tensors if n.endswith("/BiasAdd") and len(tensors[n]["shape"]) == 1]
    weights = interpreter.get_tensor(tensors[matmul[0]]["index"])
    dense.set_weights([weights.T, interpreter.get_tensor(tensors[bias[0]]["index"])])
    _fit_norms(model, convs, norms, biases, sample)


def _prefix(tensors: dict) -> str:
    return next(iter(n for n in tensors if n.endswith("/convolution"))).split("/")[0]


def _conv_name(tensor_name: str) -> str:
    return tensor_name.split(";")[0].split("/")[-2]


def _conv_order(name: str) -> int:
    """The export renames conv2d, conv2d_1, conv2d_2 ... to conv2d_1, conv2d_1_2, conv2d_2_1 ..."""
    parts = name.split("_")[1:]
    return 0 if len(parts) == 1 else int(parts[0])


def _folded_bias(interpreter, tensors: dict, conv: str) -> np.ndarray:
    for name, detail in tensors.items():
        if len(detail["shape"]) == 1 and "batchnorm/add_1" in name and f"/{conv}/convolution" in name:
            return interpreter.get_tensor(detail["index"])
    raise ValueError(f"no folded bias for {conv}")


def _fit_norms(model, convs, norms, biases: dict, sample: np.ndarray) -> None:
    eps = [norm.epsilon for norm in norms]
    for norm, e in zip(norms, eps, strict=True):  # first an exact "add b'" with unit statistics
        channels = norm.get_weights()[0].shape[0]
        norm.set_weights([np.ones(channels), biases[norm.name], np.zeros(channels), np.full(channels, 1 - e)])
    probe = keras.Model(model.inputs, [conv.output for conv in convs])
    x = (sample.astype(np.float32) / 255.0)[..., None] if sample.dtype == np.uint8 else sample
    outputs = probe.predict(x, batch_size=256, verbose=0)
    for norm, e, z in zip(norms, eps, outputs, strict=True):
        mean, var = z.mean(axis=(0, 1, 2)), z.var(axis=(0, 1, 2))
        norm.set_weights([np.sqrt(var + e), biases[norm.name] + mean, mean, var])


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


def build_line_model(width: int = 16, dropout: float = 0.2, classes: int = LINE_CLASSES) -> keras.Model:
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
    outputs = layers.Conv2D(classes, 1, name="logits")(x)
    return keras.Model(inputs, outputs, name="digitsight_lines")


def _conv_same(x, filters: int, size=(3, 3), padding: str = "same"):
    x = layers.Conv2D(filters, size, padding=padding, use_bias=False)(x)
    x = layers.BatchNormalization()(x)
    return layers.Activation("relu")(x)
