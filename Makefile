# Two commands set everything up on a fresh machine: `make demo` and `make test`.
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8001

.PHONY: install demo build test lint samples bench clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[dev]"
	touch $@

build: install
	$(BIN)/ogi build samples/ --sheets sheets --db db/ogi.db

demo: build
	@echo "Datasette: http://127.0.0.1:$(PORT)/  (Ctrl-C to stop)"
	$(BIN)/ogi serve --db db/ogi.db --port $(PORT)

lint: install
	$(BIN)/ruff check .

test: lint
	$(BIN)/python -m pytest -q

# Re-render the bundled sample PDFs from ../shared (needs Debian's fonts-wqy-zenhei).
samples: install
	$(BIN)/python scripts/make_samples.py

bench: install
	$(BIN)/python benchmarks/accuracy.py

clean:
	rm -rf db/*.db sheets/*.xlsx .pytest_cache
