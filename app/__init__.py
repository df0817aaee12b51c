"""The FastAPI application: API, dashboard, exports."""
