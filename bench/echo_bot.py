"""The floor over HTTP: a bare python-telegram-bot echo bot, polling like `python -m bot`.

`python -m bench.echo_bot` reads BOT_TOKEN, TELEGRAM_API_URL and BENCH_CONCURRENT_UPDATES
(handled at once: the bot's own setting, so both are driven the same way).
"""

from __future__ import annotations

import os

from telegram import Update
from telegram.ext import ApplicationBuilder, ContextTypes, MessageHandler, filters

# What `python -m bot` asks for (bot.telegram_app.ALLOWED_UPDATES; not imported: bare).
ALLOWED_UPDATES = ["message", "edited_message", "callback_query", "my_chat_member"]


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    if message is not None and update.effective_chat is not None:
        await context.bot.send_message(update.effective_chat.id, message.text or "?")


def main() -> None:
    root = os.environ["TELEGRAM_API_URL"].rstrip("/")
    application = (ApplicationBuilder().token(os.environ["BOT_TOKEN"])
                   .base_url(f"{root}/bot").base_file_url(f"{root}/file/bot")
                   .concurrent_updates(int(os.environ.get("BENCH_CONCURRENT_UPDATES", "1")))
                   .build())
    application.add_handler(MessageHandler(filters.ALL, echo))
    application.run_polling(allowed_updates=ALLOWED_UPDATES, timeout=10)


if __name__ == "__main__":
    main()
