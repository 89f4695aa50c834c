# Data: HelpSteer2 -> verl parquet (rmjob data ...). SRC defaults to the synthetic sample, so the kit
# can be tried without the internet; point SRC at a HelpSteer2 download for real runs.

SYNTH_DIR  ?= data/helpsteer2-synthetic
SRC        ?= $(SYNTH_DIR)
OUT        ?= data/helpsteer2
DATA_ARGS  ?=
# Generate the synthetic sample first only when it is the source being converted.
DATA_SRC_DEP = $(if $(filter $(SYNTH_DIR),$(SRC)),$(SYNTH_DIR)/preference/preference.jsonl.gz)

.PHONY: data-synth data-pointwise data-pairwise

$(SYNTH_DIR)/preference/preference.jsonl.gz: | install
	$(RMJOB) data synth --out $(SYNTH_DIR) --size sample

data-synth: install ## synthetic HelpSteer2 sample into data/helpsteer2-synthetic (deterministic, offline)
	$(RMJOB) data synth --out $(SYNTH_DIR) --size sample

data-pointwise: install $(DATA_SRC_DEP) ## HelpSteer2 (SRC=dir|file) -> pointwise parquet in OUT (DATA_ARGS=...)
	$(RMJOB) data helpsteer2 --mode pointwise --src $(SRC) --out $(OUT) $(DATA_ARGS)

data-pairwise: install $(DATA_SRC_DEP) ## HelpSteer2 (SRC=dir|file) -> pairwise parquet in OUT (DATA_ARGS=...)
	$(RMJOB) data helpsteer2 --mode pairwise --src $(SRC) --out $(OUT) $(DATA_ARGS)

bench:: install
	$(PYTHON) -m benchmarks.data

lint:: install
	$(VENV)/bin/ruff check benchmarks/data.py
	$(VENV)/bin/ruff format --check benchmarks/data.py
