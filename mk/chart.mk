# The Helm chart charts/rm-cluster: install it, lint it, time its rendering, vendor its operator.
# helm is the pinned one from scripts/get-helm (built once per machine, cached in $(RMKIT_CACHE)/bin).

CHART        := charts/rm-cluster
# The committed KubeRay operator subchart: the chart's optional dependency, present so helm needs no fetch.
OPERATOR_CHART := $(CHART)/charts/kuberay-operator
# rmjob's RayJobs select the cluster by this release name (clusterSelector ray.io/cluster: rm-cluster).
HELM_RELEASE ?= rm-cluster
NAMESPACE    ?= rm-kit
VALUES       ?= $(CHART)/values.yaml

.PHONY: cluster chart-lint vendor-operator

cluster: ## install or upgrade the RayCluster: NAMESPACE=rm-kit VALUES=<values file>
	@helm="$$(scripts/get-helm)" && \
	"$$helm" upgrade --install $(HELM_RELEASE) $(CHART) -n $(NAMESPACE) --create-namespace -f $(VALUES)

chart-lint: install ## helm lint --strict the chart and its vendored operator subchart
	@helm="$$(scripts/get-helm)" && \
	"$$helm" lint --strict $(CHART) -f $(VALUES) && \
	"$$helm" lint --strict $(OPERATOR_CHART) --set enabled=true

vendor-operator: install ## regenerate the operator subchart's CRDs, RBAC rules and Chart.yaml from KubeRay's Go module
	$(PYTHON) scripts/vendor-kuberay-operator

lint:: chart-lint

bench:: install ## helm template time of the chart (median of 20) and its packaged size
	@helm="$$(scripts/get-helm)" && tmp="$$(mktemp -d)" && trap 'rm -rf "$$tmp"' EXIT && \
	"$$helm" package $(CHART) -d "$$tmp" >/dev/null && \
	stat -c '%s' "$$tmp"/rm-cluster-*.tgz | awk '{printf "chart: helm package rm-cluster (operator subchart and CRDs included): %.1f KiB\n", $$1 / 1024}' && \
	for i in $$(seq 20); do \
		start=$$(date +%s%N); "$$helm" template rm-cluster $(CHART) >/dev/null || exit 1; \
		echo $$(( ($$(date +%s%N) - start) / 1000 )); \
	done | sort -n | awk '{t[NR] = $$1} END {printf "chart: helm template rm-cluster: median %.1f ms (20 runs, min %.1f, max %.1f)\n", (t[10] + t[11]) / 2000, t[1] / 1000, t[NR] / 1000}'
