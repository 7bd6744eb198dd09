"""Fixtures, helpers and constants shared by several test modules (none of these is a test module)."""
