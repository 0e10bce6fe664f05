"""Accounts and their secrets: staff accounts and password hashing (the residents'
portal accounts will stand beside them)."""
