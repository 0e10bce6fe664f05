"""What the running process tells its monitoring: the Prometheus instruments the code
paths update as they run (``instruments``); ``/metrics`` (ivr.web.metrics) adds what it
reads at each scrape. See docs/observability.md."""
