"""The email channel: alert emails sent through an SMTP relay, and the bounces that
come back."""
