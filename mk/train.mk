# Submitting and watching runs (rmjob submit / status / watch / logs).
# The cluster is your current kube context. On a machine without one (no KUBECONFIG, no ~/.kube/config)
# the train-* verbs start the simulated cluster and install the chart into NAMESPACE first, so that they
# work on a fresh machine. SPEC is a preset name or a spec file; NAME a run or spec name.

SIM_KUBECONFIG := $(or $(RMKIT_SIM_HOME),$(RMKIT_CACHE)/sim)/kubeconfig
ifeq ($(origin KUBECONFIG),undefined)
  ifeq ($(wildcard $(HOME)/.kube/config),)
    export KUBECONFIG := $(SIM_KUBECONFIG)
    TRAIN_CLUSTER := sim-up cluster
  endif
endif

NAMESPACE ?= rm-kit
CONTEXT   ?=
NAME      ?= rm-pairwise
KUBE_ARGS  = -n $(NAMESPACE) $(if $(CONTEXT),--context $(CONTEXT))

.PHONY: train-pointwise train-pairwise status watch logs

train-pointwise: install $(TRAIN_CLUSTER) ## submit the pointwise run (SPEC=pointwise NAMESPACE CONTEXT)
	$(RMJOB) submit $(or $(SPEC),pointwise) $(KUBE_ARGS)

train-pairwise: install $(TRAIN_CLUSTER) ## submit the pairwise run (SPEC=pairwise NAMESPACE CONTEXT)
	$(RMJOB) submit $(or $(SPEC),pairwise) $(KUBE_ARGS)

status: install ## status of a run (NAME=rm-pairwise)
	$(RMJOB) status $(NAME) $(KUBE_ARGS)

watch: install ## follow a run live (NAME=rm-pairwise)
	$(RMJOB) watch $(NAME) $(KUBE_ARGS)

logs: install ## verl's console output of a run (NAME=rm-pairwise)
	$(RMJOB) logs $(NAME) $(KUBE_ARGS)

bench:: install ## print the run-command benchmarks (simulated cluster)
	$(PYTHON) -m benchmarks.runs
