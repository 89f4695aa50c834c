# Evaluating a judge (rmjob eval run): HelpSteer2 validation (pointwise/pairwise) and RM-Bench.
# The judge is MODEL (a Hugging Face model directory), RUN (a training run: its checkpoint under
# CHECKPOINTS is merged with verl's merger first) or JUDGMENTS (a JSONL of outputs to score). With none
# of them the verbs try the kit offline: the tiny random model (rmjob dev tiny-model) on a few rows.
# Runs here with the transformers backend; on the cluster use `rmjob eval submit` (vLLM on a GPU worker).

EVAL_OUT     ?= eval
EVAL_BACKEND ?= transformers
EVAL_ARGS    ?=
RMBENCH      ?=
CHECKPOINTS  ?=
TINY_MODEL   ?= $(RMKIT_CACHE)/models/tiny-qwen3
EVAL_OFFLINE  = $(if $(MODEL)$(RUN)$(JUDGMENTS),,1)
EVAL_JUDGE    = $(if $(EVAL_OFFLINE),--model $(TINY_MODEL) --limit 16 --max-new-tokens 32) \
	$(if $(MODEL),--model $(MODEL)) $(if $(RUN),--run $(RUN)) $(if $(JUDGMENTS),--judgments $(JUDGMENTS)) \
	$(if $(CHECKPOINTS),--checkpoints $(CHECKPOINTS))
EVAL_RUN      = $(RMJOB) eval run --backend $(EVAL_BACKEND) $(EVAL_JUDGE)
EVAL_DEPS     = install $(if $(EVAL_OFFLINE),$(TINY_MODEL)/config.json)

.PHONY: eval-pointwise eval-pairwise eval-rmbench

$(TINY_MODEL)/config.json: | install
	$(RMJOB) dev tiny-model $(TINY_MODEL)

$(OUT)/helpsteer2_%_test.parquet: | install
	$(MAKE) data-$*

eval-pointwise: $(EVAL_DEPS) $(OUT)/helpsteer2_pointwise_test.parquet ## judge HelpSteer2 validation, pointwise (MODEL=|RUN=|JUDGMENTS=, EVAL_ARGS)
	$(EVAL_RUN) --bench helpsteer2 --spec $(or $(SPEC),pointwise) \
		--data $(OUT)/helpsteer2_pointwise_test.parquet --out $(EVAL_OUT)/pointwise $(EVAL_ARGS)

eval-pairwise: $(EVAL_DEPS) $(OUT)/helpsteer2_pairwise_test.parquet ## judge HelpSteer2 validation, pairwise (MODEL=|RUN=|JUDGMENTS=, EVAL_ARGS)
	$(EVAL_RUN) --bench helpsteer2 --spec $(or $(SPEC),pairwise) \
		--data $(OUT)/helpsteer2_pairwise_test.parquet --out $(EVAL_OUT)/pairwise $(EVAL_ARGS)

eval-rmbench: $(EVAL_DEPS) ## judge RM-Bench (RMBENCH=total_dataset.json; MODEL=|RUN=|JUDGMENTS=, EVAL_ARGS)
	@test -n "$(RMBENCH)" || { echo "error: set RMBENCH=path/to/total_dataset.json (RM-Bench's published data)" >&2; exit 2; }
	$(EVAL_RUN) --bench rmbench --spec $(or $(SPEC),pairwise) --data $(RMBENCH) --out $(EVAL_OUT)/rmbench $(EVAL_ARGS)

bench:: install
	$(PYTHON) -m benchmarks.eval

lint:: install
	$(VENV)/bin/ruff check benchmarks/eval.py
	$(VENV)/bin/ruff format --check benchmarks/eval.py
