"""Sources of questions. Nothing here knows FastAPI; every source calls collectors.ingest."""
