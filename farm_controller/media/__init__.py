"""Uploaded images: the checks every upload passes, and files kept by content.

images.py    ImageFacts, inspect_image (format, size, pixels), FileStore (by sha256)
library.py   the media library: one row and one file per content
"""
