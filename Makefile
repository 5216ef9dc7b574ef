# Two commands set everything up on a fresh machine: `make demo` and `make test`.
VENV := .venv
BIN := $(VENV)/bin
PYTHON ?= python3
PORT ?= 8001

.PHONY: install demo build test lint messages samples bench clean

install: $(VENV)/.installed
	@echo "ogi 命令：$(BIN)/ogi；要直接输入 ogi，先在这个 shell 里运行  . $(BIN)/activate"

$(VENV)/.installed: pyproject.toml
	@echo "== 在 $(VENV)/ 里安装 ogi-etl 和它的依赖（第一次约 2 分钟）"
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -e ".[dev]"
	$(BIN)/python scripts/headless_cv2.py
	touch $@

build: install
	$(BIN)/ogi build samples/ --sheets sheets --db db/ogi.db

demo: build
	$(BIN)/ogi serve --db db/ogi.db --port $(PORT)

lint: install
	$(BIN)/ruff check .

# -rs: every skipped test says why (under CI=true a skip fails the run: tests/conftest.py).
test: lint
	$(BIN)/python -m pytest -q -rs

# The translation catalogs: new _("…") texts into etl/locale/*/LC_MESSAGES/*.po, then the
# .mo files compiled (translate the new, empty msgstr in the .po and run it again).
messages: install
	$(BIN)/python scripts/messages.py

# Re-render the bundled sample PDFs from ../shared (needs Debian's fonts-wqy-zenhei).
samples: install
	$(BIN)/python scripts/make_samples.py

bench: install
	$(BIN)/python benchmarks/accuracy.py

clean:
	rm -rf db/*.db sheets/*.xlsx .pytest_cache
