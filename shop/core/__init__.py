"""The shop's foundations every domain package stands on: settings, the database, money, input validation, errors, transactions."""
