"""herstelbot's benchmark (issue 8): every figure beside its floor, measured in the same run.

`python -m bench` runs four sections (answers, http, burst, growth) and prints one table;
`python -m bench --help` lists the options. Absolute times drift on shared machines, so each
comparison is measured side by side in the same run and reported as a ratio.
"""
