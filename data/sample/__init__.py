"""The bundled sample support history (package data; see README.md here and data/generate.py)."""
