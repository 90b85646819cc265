"""The owner's side: accounts and sessions, the activity log, analytics, scheduled jobs and backups."""
