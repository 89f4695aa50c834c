# The simulated GPU cluster: real control plane + KubeRay operator, KWOK fake 8xA100 nodes (sim/README.md).
# Sizes and ports come from the environment or the command line: GPU_NODES (2), CPU_NODES (1), SIM_PORT_BASE (17440).

.PHONY: sim-up sim-down sim-status sim-build

sim-build: install ## build the simulated cluster's pinned binaries (once per machine, tens of minutes)
	$(PYTHON) -m sim build

sim-up: install ## start the simulated GPU cluster (or reuse it); prints the kubeconfig path
	$(PYTHON) -m sim up

sim-down: install ## stop the simulated cluster and delete its state (also cleans up a half-started one)
	$(PYTHON) -m sim down

sim-status: install ## what runs in the simulated cluster: components, ports, health, nodes
	$(PYTHON) -m sim status

lint:: install
	$(VENV)/bin/ruff check sim benchmarks/sim.py
	$(VENV)/bin/ruff format --check sim benchmarks/sim.py
	$(VENV)/bin/mypy sim benchmarks/sim.py

bench:: install
	$(PYTHON) -m benchmarks.sim
