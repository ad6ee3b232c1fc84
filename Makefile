# asrboot: `make setup` once on a fresh machine, then `make test`.
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: setup test bench clean-tools

setup:
	bash local/setup.sh

test:
	@test -x $(PY) || { echo "run 'make setup' first" >&2; exit 1; }
	$(PY) -m pytest -q tests

bench:
	$(PY) benchmarks/lm_build.py
	$(PY) benchmarks/hlg_compile.py --icefall

clean-tools:
	rm -rf tools
