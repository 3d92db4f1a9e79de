"""The Expense Tracker desktop app: a window onto the local API, and a command line."""
