"""Exports: one module per format, pure functions from questions to bytes."""
