# A local CPU Ray head (Ray 2.46.0 from this virtualenv): `rmjob ... --ray-address` without Kubernetes.
# Dashboard on 127.0.0.1:$(RAY_DASHBOARD_PORT); its jobs read and write the local volumes under
# $(RMKIT_CACHE)/ray/storage (data/, models/, checkpoints/; RMJOB_RAY_STORAGE moves them).

RAY_DASHBOARD_PORT ?= 8265

.PHONY: ray-up ray-down ray-status

ray-up: install ## start a local CPU Ray head (no-op when up) and write the tiny model; prints RAY_ADDRESS
	$(PYTHON) -m rmjob.rayjobs.local up --dashboard-port $(RAY_DASHBOARD_PORT)

ray-down: install ## stop the local Ray head that ray-up started
	$(PYTHON) -m rmjob.rayjobs.local down

ray-status: install ## is the local Ray head up, and where
	$(PYTHON) -m rmjob.rayjobs.local status

bench:: install ## single box: local Ray head start, data prep job, tiny training job to verl's dataloader line and to its end
	$(PYTHON) -m benchmarks.single_box

lint:: install
	$(VENV)/bin/ruff check benchmarks/single_box.py
	$(VENV)/bin/ruff format --check benchmarks/single_box.py
