"""CRM Hub: every customer, from every system, once, correct, and back everywhere."""

__version__ = "0.1.0"
