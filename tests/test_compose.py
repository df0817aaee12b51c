"""docker-compose.yml wiring (no Docker engine runs here: the file is parsed and checked)."""

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def test_compose_services_and_wiring():
    doc = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = doc["services"]
    assert set(services) == {"postgres", "migrate", "app"}
    assert "pgdata" in doc["volumes"]
    assert any(v.startswith("pgdata:") for v in services["postgres"]["volumes"])
    assert "healthcheck" in services["postgres"] and "healthcheck" in services["app"]
    assert services["migrate"]["command"] == ["liveq", "migrate"]
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    app_deps = services["app"]["depends_on"]
    assert app_deps["migrate"]["condition"] == "service_completed_successfully"
    for name in ("migrate", "app"):
        url = services[name]["environment"]["LIVEQ_DATABASE_URL"]
        assert url.startswith("postgresql+asyncpg://") and "@postgres:5432/" in url
    pg_env = services["postgres"]["environment"]
    assert pg_env["POSTGRES_DB"] in services["app"]["environment"]["LIVEQ_DATABASE_URL"]
    assert "/readyz" in " ".join(services["app"]["healthcheck"]["test"])
    assert "LIVEQ_ADMIN_TOKEN" in services["app"]["environment"]


def test_dockerfile_copies_every_package():
    text = (ROOT / "Dockerfile").read_text()
    for package in ("app", "collectors", "models", "migrations", "kit"):
        assert f"COPY {package} {package}" in text
