"""The foundations every domain package stands on: settings, the database, money, input validation, errors,
transactions, the group commit, the owner's activity log and safe CSV cells."""
