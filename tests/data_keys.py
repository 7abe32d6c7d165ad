"""One data key for the whole test run, as an operator would set DATA_KEYS."""

from bot.encryption import new_key_line

TEST_KEYS = new_key_line()
