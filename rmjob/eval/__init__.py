"""Is the judge any good? Benchmarks for a trained judge: HelpSteer2 validation and RM-Bench.

Pure scoring (``metrics``, ``rmbench``, ``helpsteer2``) is kept apart from reading inputs
(``inputs``, ``judgments``), generating (``generate``, needs torch/transformers or vLLM), merging
checkpoints (``merge``, needs verl) and writing the report (``report``, ``plot``).
"""
