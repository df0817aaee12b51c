"""The host's dashboard: server-rendered pages; data comes from the JSON API."""
