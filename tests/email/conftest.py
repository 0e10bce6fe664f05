"""Fixtures of the email tests."""

from tests.email.harness import email

__all__ = ["email"]
