# rm-kit: the verbs users type. `make help` lists them.
# Each part of the kit adds its verbs in mk/*.mk; `lint` and `bench` are double-colon so parts can extend them.

SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV   ?= .venv
PYTHON ?= $(VENV)/bin/python
RMJOB  ?= $(VENV)/bin/rmjob
PIP    ?= $(VENV)/bin/pip
# Cache for downloaded tools and schemas (Go modules, helm, CRDs), kept per machine.
RMKIT_CACHE ?= $(HOME)/.cache/rm-kit
export RMKIT_CACHE

.PHONY: help install test lint bench manifests sync demo clean

help: ## list the verbs
	@awk 'BEGIN {FS = ":+.*## "} /^[a-zA-Z0-9_.-]+:+.*## / && !seen[$$1]++ {printf "  %-18s %s\n", $$1, $$2}' \
		$(MAKEFILE_LIST) | sort

$(VENV)/.installed: pyproject.toml
	test -x $(PYTHON) || python3 -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -e '.[dev,train]'
	touch $@

install: $(VENV)/.installed ## create .venv and install rmjob with the dev and train extras

test: install ## run the whole test suite
	$(PYTHON) -m pytest

lint:: install ## ruff and mypy
	$(VENV)/bin/ruff check rmjob devtools benchmarks tests
	$(VENV)/bin/ruff format --check rmjob devtools benchmarks tests
	$(VENV)/bin/mypy

sync: install ## copy rmjob/platform.yaml into the chart (the chart reads it with .Files.Get)
	$(PYTHON) -m devtools.sync

manifests: sync ## regenerate manifests/ from the presets (GitOps)
	$(PYTHON) -m devtools.manifests

bench:: install ## print the benchmarks
	$(PYTHON) -m benchmarks.render

demo: install ## the main job on its built-in default: the whole story on the simulated cluster
	$(PYTHON) -m devtools.demo

clean: ## remove the virtualenv and caches of this checkout
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache

-include mk/*.mk
