# Grassroots — the two commands: `make demo` and `make test`.
SHELL := /bin/bash
UV ?= $(shell command -v uv 2>/dev/null || echo "$(HOME)/.local/bin/uv")
PY := .venv/bin/python
RUN := $(UV) run --frozen
VENDOR := grassroots/static/vendor

.PHONY: demo test test-pg lint bench setup assets messages serve worker clean

setup: .venv/.synced $(VENDOR)/.copied

$(UV):
	python3 -m pip install --user --quiet uv || python3 -m pip install --quiet uv

.venv/.synced: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --quiet
	@touch $@

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --silent

$(VENDOR)/.copied: node_modules/.package-lock.json
	mkdir -p $(VENDOR)
	cp node_modules/htmx.org/dist/htmx.min.js $(VENDOR)/
	cp node_modules/@alpinejs/csp/dist/cdn.min.js $(VENDOR)/alpine-csp.min.js
	mkdir -p $(VENDOR)/leaflet
	cp -r node_modules/leaflet/dist/leaflet.js node_modules/leaflet/dist/leaflet.css node_modules/leaflet/dist/images node_modules/leaflet/LICENSE $(VENDOR)/leaflet/
	mkdir -p $(VENDOR)/fonts
	for s in bengali devanagari; do for w in 400 700; do \
	  cp node_modules/@fontsource/noto-sans-$$s/files/noto-sans-$$s-$$s-$$w-normal.woff2 $(VENDOR)/fonts/noto-sans-$$s-$$w.woff2; \
	done; cp node_modules/@fontsource/noto-sans-$$s/LICENSE $(VENDOR)/fonts/OFL-noto-sans-$$s.txt; done
	@touch $@

assets: $(VENDOR)/.copied

demo: setup
	$(RUN) grassroots demo
	$(RUN) grassroots serve --with-worker

serve: setup
	$(RUN) grassroots serve --with-worker

worker: setup
	$(RUN) grassroots worker

test: setup
	$(RUN) python manage.py makemigrations --check --dry-run
	$(RUN) pytest $(PYTEST_ARGS)

test-pg: setup
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/grassroots} $(RUN) pytest $(PYTEST_ARGS)

lint: setup
	$(RUN) ruff check .
	$(RUN) ruff format --check .
	$(RUN) lint-imports
	$(RUN) python manage.py makemigrations --check --dry-run

messages: setup
	cd grassroots && ../$(PY) ../manage.py makemessages -l hi -l bn -l it --ignore 'static/*' --ignore 'demo/*'
	cd grassroots && ../$(PY) ../manage.py compilemessages

bench: setup
	$(RUN) python -m bench $(BENCH)

clean:
	rm -rf var/grassroots.sqlite3* var/staticfiles
