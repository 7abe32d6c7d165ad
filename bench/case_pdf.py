"""How long the case export's PDF takes to make, and how big it is: the scripted case of the
tests (an offender and a victim who finished their talks, one person proposed), played
through the bot in process, then rendered N times.

Prints figures; asserts nothing. Run: python bench/case_pdf.py [--repeat 20] [--language nl]
[--out case.pdf] (to look at it: pdftoppm -png case.pdf page).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlmodel import select

from bot import encryption
from bot.clock import ManualClock
from bot.lifecycle import gather_case
from bot.models import Case
from bot.pdf_document import find_fonts
from bot.views.case_pdf import case_pdf
from tests.conftest import fresh_database
from tests.data_keys import TEST_KEYS
from tests.world import make_world, two_talks_done


async def main(repeat: int, language: str) -> bytes:
    encryption.install(encryption.parse_keyring(TEST_KEYS))
    clock = ManualClock(datetime(2026, 3, 10, 9, 30, tzinfo=UTC))
    fonts = find_fonts()
    with tempfile.TemporaryDirectory() as folder:
        db = await fresh_database(f"sqlite+aiosqlite:///{folder}/bench.db")
        async for world in make_world(db, clock):
            await two_talks_done(world)
            flows, catalog = world.services.flows, world.services.catalog
            async with db.transaction() as session:
                record = await gather_case(session, (await session.exec(select(Case))).one())
        await db.dispose()
    seconds: list[float] = []  # the bot has stopped: nothing else runs meanwhile
    for _ in range(repeat):
        started = time.perf_counter()
        pdf = case_pdf(record, flows, catalog, language, fonts, clock())
        seconds.append(time.perf_counter() - started)
    font = fonts.regular if fonts else "a core font (no DejaVu Sans found)"
    print(f"font: {font}")
    print(f"{len(pdf)} bytes; {repeat} renders: median {statistics.median(seconds) * 1000:.0f} "
          f"ms, slowest {max(seconds) * 1000:.0f} ms")
    return pdf


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--language", default="nl", choices=("nl", "en"))
    parser.add_argument("--out", type=Path)
    options = parser.parse_args()
    logging.getLogger("apscheduler").setLevel(logging.ERROR)  # a job late while the story runs
    made = asyncio.run(main(options.repeat, options.language))
    if options.out is not None:
        options.out.write_bytes(made)
