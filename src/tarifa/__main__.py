"""`python -m tarifa`: the CLI."""

from tarifa.cli import main

# Guarded: bill-run workers are spawned processes, which import the main module again.
if __name__ == "__main__":
    main()
