"""HelpSteer2 -> verl parquet: readers, row validation, the prompt-grouped split, sample building,
the atomic parquet writer, the conversion run, and a synthetic HelpSteer2 generator.

Nothing here imports pyarrow at import time (the CLI loads it), nor torch or verl.
"""
