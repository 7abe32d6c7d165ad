"""What people can do, one module per kind of work, each use case a keyword-only async
function of one `Turn` that declares who may call it (`bot.access.allowed`)."""
