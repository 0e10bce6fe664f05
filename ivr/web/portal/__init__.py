"""The residents' site (the citizen portal), mounted under ``/portal/``. Today it holds
the email preferences page that alert emails link to."""
