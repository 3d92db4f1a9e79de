"""The Expense Tracker library: every concern's rules and SQL, one module per concern, no web framework."""

__version__ = "0.1.0"
