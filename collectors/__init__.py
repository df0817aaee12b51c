"""Sources of questions: one folder per platform. Nothing here knows FastAPI; every source
calls intake.ingest."""
