"""The committed JSON Schema is current, and the example specs satisfy it."""

from __future__ import annotations

import json

import jsonschema
import pytest
import yaml

from distillgen.spec import json_schema

from .conftest import ROOT

SCHEMA_FILE = ROOT / "specs" / "distillgen.schema.json"


def test_committed_schema_is_current():
    committed = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    assert committed == json_schema(), "specs/distillgen.schema.json is stale: run `make golden`"


@pytest.mark.parametrize("spec", sorted((ROOT / "specs").glob("*.yaml")), ids=lambda p: p.name)
def test_example_specs_validate_against_the_schema(spec):
    data = yaml.safe_load(spec.read_text(encoding="utf-8"))
    jsonschema.validate(data, json_schema())
    first = spec.read_text(encoding="utf-8").splitlines()[0]
    assert first == "# yaml-language-server: $schema=./distillgen.schema.json"


def test_schema_rejects_unknown_keys():
    data = yaml.safe_load((ROOT / "specs" / "poetry.yaml").read_text(encoding="utf-8"))
    data["training"]["lora"]["alpah"] = 3
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, json_schema())
