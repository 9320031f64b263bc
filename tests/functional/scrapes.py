"""Scraping a service's metrics the way Prometheus does, and adding up
samples across scrapes."""

import urllib.request

from prometheus_client import parser


def scrape(url) -> list:
    """The samples at ``url``: ``(name, {label: value}, value)``."""
    with urllib.request.urlopen(url, timeout=30) as answer:
        text = answer.read().decode()
    return [(sample.name, sample.labels, sample.value)
            for family in parser.text_string_to_metric_families(text)
            for sample in family.samples]


def total(samples, name, **labels) -> float:
    """The sum of the samples ``name`` whose labels include ``labels``."""
    return sum(value for sample_name, sample_labels, value in samples
               if sample_name == name and
               all(sample_labels.get(k) == v for k, v in labels.items()))


def label_values(samples, name, label) -> set:
    return {sample_labels.get(label) for sample_name, sample_labels, _ in
            samples if sample_name == name}
