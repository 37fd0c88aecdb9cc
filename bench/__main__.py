"""``python -m bench``: run the whole suite (see bench/run.py)."""
from bench.run import main

main()
