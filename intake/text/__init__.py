"""Pure text functions: question detection and normalization for matching."""
