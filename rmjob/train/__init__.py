"""Code that runs inside the trainer image under verl: prompt templates, reward parsing, dataset classes.

``sources``, ``templates`` and ``parsing`` are pure Python (the converter imports them on a laptop);
``rewards`` needs neither torch nor verl; only ``datasets`` imports verl. verl loads ``rewards.py`` and
``datasets.py`` by file path, so every module here uses absolute imports.
"""
