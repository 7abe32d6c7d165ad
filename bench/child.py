"""`python -m bench.child MODULE:FUNCTION JSON`: one measure in its own process."""

from __future__ import annotations

import sys

from bench.common import child_main, install_key

if __name__ == "__main__":
    install_key()
    child_main(sys.argv[1:])
