"""The redactor scrubs every encoded form of a registered value."""

from __future__ import annotations

import base64
import urllib.parse

import pytest

from reconciler.secrets import REDACTED, Redactor

VALUE = "canary value/7+Zq=&x"


@pytest.mark.parametrize("form", [
    VALUE,
    urllib.parse.quote(VALUE),
    urllib.parse.quote(VALUE, safe=""),
    urllib.parse.quote_plus(VALUE),
    base64.b64encode(VALUE.encode()).decode(),
    base64.b64encode(b"user:" + VALUE.encode()).decode(),
])
def test_every_form_is_scrubbed(form: str) -> None:
    redactor = Redactor()
    redactor.add(VALUE)
    scrubbed = redactor.scrub(f"before {form} after")
    assert REDACTED in scrubbed
    assert form not in scrubbed


def test_short_values_are_not_registered() -> None:
    redactor = Redactor()
    redactor.add("abc")
    assert redactor.scrub("abc abc") == "abc abc"
