# One command for each habit. Everything runs in .venv, made on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
# Test workers: xdist spreads the suite over the cores.
WORKERS ?= 2
# Extras installed into .venv. The sentence encoder is a main dependency now; `semantic` is an
# empty alias kept so EXTRAS=dev,semantic (CI) still works.
EXTRAS ?= dev

.PHONY: run test test-setup bench lint demo eval-dedup eval-detect migrate clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[$(EXTRAS)]'
	touch $(STAMP)

## run: the service on the embedded SQLite default, at http://$(HOST):$(PORT)
run: $(STAMP)
	$(BIN)/liveq serve --host $(HOST) --port $(PORT)

migrate: $(STAMP)
	$(BIN)/liveq migrate

## test-setup: Debian's Chromium for the browser tests (Playwright cannot download one here)
## and Debian's Dovecot for the email collector's tests (a real IMAP server on loopback)
test-setup: $(STAMP)
	@command -v chromium >/dev/null 2>&1 || { \
	  if command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
	    echo "installing Debian's chromium for the browser tests"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "chromium not installed and no apt as root: the browser tests will skip"; fi; }
	@command -v dovecot >/dev/null 2>&1 || test -x /usr/sbin/dovecot || { \
	  if command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
	    echo "installing Debian's dovecot-imapd for the email tests"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dovecot-imapd >/dev/null; \
	  else echo "dovecot not installed and no apt as root: the email collector's IMAP tests will skip"; fi; }

## test: the whole suite (SQLite always; PostgreSQL too when LIVEQ_TEST_POSTGRES_URL is set)
test: test-setup
	$(BIN)/pytest -n $(WORKERS) -q $(PYTEST_ARGS)

## bench: throughput and latency figures (benchmarks, not timed tests)
bench: $(STAMP)
	$(BIN)/python -m bench

## eval-dedup: the duplicate matcher's precision and recall on the held-out labelled set
eval-dedup: $(STAMP)
	$(BIN)/python -m intake.matching.evaluate $(EVAL_ARGS)

## eval-detect: question detection's precision and recall on the held-out labelled chat set
eval-detect: $(STAMP)
	$(BIN)/python -m intake.text.evaluate $(EVAL_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check app collectors intake models kit fakes tests bench
	$(BIN)/ruff format --check app collectors intake models kit fakes tests bench
	$(BIN)/mypy app collectors intake models kit

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache

## demo: a simulated conversation hour on Telegram and YouTube, through the real collectors
demo: $(STAMP)
	$(BIN)/python -m fakes.demo --port $(PORT)
