"""The owner's side: accounts and sessions, sales analytics, scheduled owner jobs and their locks, backups."""
