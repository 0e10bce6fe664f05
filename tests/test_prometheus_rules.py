"""The example Prometheus files in deploy/prometheus/: each alerting rule is complete and
watches metrics that /metrics really exposes.

No YAML parser is a dependency of the project (and promtool is not installed), so the
files are checked by their lines: the rules are written one key a line, expressions on
one line.
"""

from __future__ import annotations

import re
from pathlib import Path

from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families

from ivr.observability.instruments import REGISTRY
from ivr.storage.metrics import DispatchFigures
from ivr.web.metrics_scrape import ScrapeReadings

DEPLOY = Path(__file__).parent.parent / "deploy" / "prometheus"


def rules() -> dict[str, str]:
    """Each rule's name and its text (up to the next rule)."""
    text = (DEPLOY / "alerts.yml").read_text(encoding="utf-8")
    assert "\t" not in text
    assert text.count("\ngroups:\n") == 1 and "    rules:\n" in text
    blocks = re.split(r"\n      - alert: ", text)[1:]
    return {block.split("\n", 1)[0]: block for block in blocks}


def exposed_names() -> set[str]:
    readings = ScrapeReadings(DispatchFigures(), {"voice": {"ami": True}})
    text = (generate_latest(REGISTRY) + generate_latest(readings)).decode()
    return {
        sample.name for family in text_string_to_metric_families(text) for sample in family.samples
    }


def test_every_rule_has_an_expression_a_duration_a_severity_and_a_summary() -> None:
    found = rules()
    assert set(found) == {
        "IvrNotScraped",
        "IvrLinkDown",
        "IvrListenerDown",
        "IvrDatabaseUnreachable",
        "IvrQueueNotDraining",
    }
    for name, block in found.items():
        assert re.search(r"^        expr: \S.*$", block, re.MULTILINE), name
        assert re.search(r"^        for: [0-9]+m$", block, re.MULTILINE), name
        assert re.search(r"^          severity: (critical|warning)$", block, re.MULTILINE), name
        assert re.search(r'^          summary: ".+"$', block, re.MULTILINE), name


def test_the_rules_watch_metrics_that_exist() -> None:
    exposed = exposed_names()
    for name, block in rules().items():
        (expression,) = re.findall(r"^        expr: (.+)$", block, re.MULTILINE)
        used = set(re.findall(r"\bivr_[a-z_]+\b", expression))
        assert used <= exposed, (name, used - exposed)
    queue = rules()["IvrQueueNotDraining"]
    assert "ivr_queue_depth > 0 and ivr_queue_oldest_due_age_seconds > 300" in queue


def test_the_scrape_example_loads_the_rules_under_the_job_they_name() -> None:
    config = (DEPLOY / "prometheus.yml").read_text(encoding="utf-8")
    assert re.search(r"^rule_files:\n  - alerts\.yml$", config, re.MULTILINE)
    assert re.search(r"^  - job_name: ivr$", config, re.MULTILINE)
    assert 'up{job="ivr"}' in rules()["IvrNotScraped"]
