"""The analysts' console: a read-only web app over the Redis serving view (`shipguard console`).
Build it with stream.console.app.create_console(settings); importing starts nothing."""
