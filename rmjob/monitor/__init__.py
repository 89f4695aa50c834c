"""Pure monitoring logic: run status in plain words, diagnoses, verl log parsing and curves."""
