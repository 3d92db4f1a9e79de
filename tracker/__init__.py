"""The Expense Tracker library: every concern's rules and SQL, one module per concern, no web framework."""
