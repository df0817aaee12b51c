"""The queue's own logic that every source feeds: detection, normalisation, duplicate matching,
ingest, votes, and the changes sources report. Imports no collector and no app module."""
