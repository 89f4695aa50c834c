# The Helm chart charts/rm-cluster: install it, lint it, time its rendering.
# helm is the pinned one from scripts/get-helm (built once per machine, cached in $(RMKIT_CACHE)/bin).

CHART        := charts/rm-cluster
# rmjob's RayJobs select the cluster by this release name (clusterSelector ray.io/cluster: rm-cluster).
HELM_RELEASE ?= rm-cluster
NAMESPACE    ?= rm-kit
VALUES       ?= $(CHART)/values.yaml

# A copy of the chart without its optional operator dependency, which helm refuses to lint or
# render until `helm dependency build` has fetched it (see the chart README).
define renderable_chart_copy
cp -r $(CHART) "$$tmp/rm-cluster" && rm -rf "$$tmp/rm-cluster/charts" "$$tmp/rm-cluster/Chart.lock" && \
$(PYTHON) -c 'import sys, yaml; p = sys.argv[1]; m = yaml.safe_load(open(p)); m.pop("dependencies", None); open(p, "w").write(yaml.safe_dump(m, sort_keys=False))' "$$tmp/rm-cluster/Chart.yaml"
endef

.PHONY: cluster chart-lint

cluster: ## install or upgrade the RayCluster: NAMESPACE=rm-kit VALUES=<values file>
	@helm="$$(scripts/get-helm)" && \
	{ ls $(CHART)/charts/kuberay-operator-*.tgz >/dev/null 2>&1 || "$$helm" dependency build $(CHART); } && \
	"$$helm" upgrade --install $(HELM_RELEASE) $(CHART) -n $(NAMESPACE) --create-namespace -f $(VALUES)

chart-lint: install ## helm lint --strict the chart
	@helm="$$(scripts/get-helm)" && tmp="$$(mktemp -d)" && trap 'rm -rf "$$tmp"' EXIT && \
	$(renderable_chart_copy) && \
	"$$helm" lint --strict "$$tmp/rm-cluster" -f $(VALUES)

lint:: chart-lint

bench:: install ## helm template time of the chart (median of 20)
	@helm="$$(scripts/get-helm)" && tmp="$$(mktemp -d)" && trap 'rm -rf "$$tmp"' EXIT && \
	$(renderable_chart_copy) && \
	for i in $$(seq 20); do \
		start=$$(date +%s%N); "$$helm" template rm-cluster "$$tmp/rm-cluster" >/dev/null || exit 1; \
		echo $$(( ($$(date +%s%N) - start) / 1000 )); \
	done | sort -n | awk '{t[NR] = $$1} END {printf "chart: helm template rm-cluster: median %.1f ms (20 runs, min %.1f, max %.1f)\n", (t[10] + t[11]) / 2000, t[1] / 1000, t[NR] / 1000}'
