"""Functions from data to text and buttons: no database, no Telegram, so a web page can use
the same data later."""
