"""DigitSight recognition engine: plain Python, no Django imports.

Training (ml.train, ml.evaluate) needs TensorFlow; reading (ml.reader,
ml.predict) needs only NumPy, OpenCV, Pillow and LiteRT.
"""
