# Preflight (`rmjob check`): its benchmark and lint.

bench:: install ## print the preflight benchmark (rmjob check, target < 2 s)
	$(PYTHON) -m benchmarks.check

lint:: install
	$(VENV)/bin/ruff check benchmarks/check.py
	$(VENV)/bin/ruff format --check benchmarks/check.py
