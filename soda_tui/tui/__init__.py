"""The dashboard: the only package that imports Textual or Rich (see tests/test_hygiene.py)."""
