"""Scenario files (TOML / JSON) and their errors."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path
from typing import Any

import pytest

import cxkit.sim.scenario as scenario_module
from cxkit.errors import ConfigError
from cxkit.sim import (
    Exponential,
    Fixed,
    LogNormal,
    NotReady,
    Simulation,
    Spike,
    load_scenario,
    parse_scenario,
)

MINIMAL: dict[str, Any] = {
    "seed": 11,
    "queues": [{"name": "Sales", "calls_per_hour": 60}],
    "groups": [{"name": "Team", "count": 3, "skills": ["Sales"]}],
}


def documented_example() -> str:
    doc = scenario_module.__doc__ or ""
    block = doc.split(".. code-block:: toml", 1)[1].split("The JSON form", 1)[0]
    return "\n".join(line[4:] for line in block.splitlines())


def test_the_documented_example_loads_and_runs(tmp_path: Path) -> None:
    path = tmp_path / "acme.toml"
    path.write_text(documented_example())
    config = load_scenario(path)
    assert config.seed == 7
    center = config.center
    sales = center.queues[0]
    assert (sales.name, sales.calls_per_hour) == ("Sales", 120)
    assert sales.talk == LogNormal(mean=240, sd=120)
    assert sales.wrap == Fixed(value=30)
    assert sales.patience == Exponential(mean=90)
    assert center.groups[0].shift_length == Fixed(value=28800)
    assert center.script == (
        Spike(at=300, queue="Sales", factor=3, duration=600),
        NotReady(at=900, group="Sales Team", reason="Meeting", duration=300),
    )
    sim = Simulation(config)
    sim.advance_to(1200.0)
    assert sim.center_snapshot().offered > 0


def test_json_and_toml_give_the_same_config(tmp_path: Path) -> None:
    toml_path = tmp_path / "a.toml"
    toml_path.write_text(documented_example())
    json_path = tmp_path / "a.JSON"
    json_path.write_text(json.dumps(tomllib.loads(documented_example())))
    assert load_scenario(json_path) == load_scenario(toml_path)


def test_defaults_fill_what_a_minimal_scenario_leaves_out() -> None:
    config = parse_scenario(MINIMAL)
    assert config.seed == 11
    assert config.service_level_window == 900.0
    assert [r.name for r in config.center.reason_codes][-1] == "End of Shift"
    assert config.center.queues[0].patience == Exponential(mean=180.0)


def change(path: str, value: Any) -> dict[str, Any]:
    """MINIMAL with one key (dotted, with [i]) set; value None deletes it."""
    doc: dict[str, Any] = json.loads(json.dumps(MINIMAL))
    parts = re.findall(r"[^.\[\]]+", path)
    node: Any = doc
    for part in parts[:-1]:
        node = node[int(part)] if part.isdigit() else node[part]
    if value is None:
        del node[parts[-1]]
    else:
        node[parts[-1]] = value
    return doc


@pytest.mark.parametrize(
    ("doc", "key"),
    [
        (change("queues.0.talk_time", 5), "queues[0].talk_time"),
        (change("queues.0.calls_per_hour", -1), "queues[0].calls_per_hour"),
        (change("queues.0.calls_per_hour", "many"), "queues[0].calls_per_hour"),
        (change("queues.0.talk", {"kind": "exponential", "mean": 0}), "queues[0].talk.mean"),
        (change("queues.0.talk", {"kind": "gamma", "mean": 3}), "queues[0].talk.kind"),
        (change("queues.0.service_level_target", 1.5), "queues[0].service_level_target"),
        (change("groups.0.count", None), "groups[0].count"),
        (change("groups.0.skills", ["Salse"]), "groups[0].skills"),
        (change("groups.0.break_reasons", ["Nap"]), "groups[0].break_reasons"),
        (change("groups.0.logout_reason", "Break"), "groups[0].logout_reason"),
        (change("queues", []), "queues"),
        (change("seed", "seven"), "seed"),
        (change("service_level_window", 0), "service_level_window"),
        (change("colour", "blue"), "colour"),
        (
            change("script", [{"action": "spike", "at": 5, "factor": 2, "queue": "Nope"}]),
            "script[0].queue",
        ),
        (change("script", [{"action": "explode", "at": 5}]), "script[0].action"),
        (
            change("script", [{"action": "not_ready", "at": 1, "reason": "End of Shift"}]),
            "script[0].reason",
        ),
        (change("script", [{"action": "login", "at": -1}]), "script[0].at"),
        (
            {**MINIMAL, "queues": [MINIMAL["queues"][0], MINIMAL["queues"][0]]},
            "queues[1].name",
        ),
    ],
)
def test_errors_name_the_key(doc: dict[str, Any], key: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_scenario(doc, source="x.toml")
    assert caught.value.key == key
    assert str(caught.value).startswith("x.toml: ")
    assert key in str(caught.value)


def test_malformed_files_are_config_errors(tmp_path: Path) -> None:
    bad_toml = tmp_path / "bad.toml"
    bad_toml.write_text("queues = [\n")
    with pytest.raises(ConfigError, match=r"bad\.toml: not valid TOML") as caught:
        load_scenario(bad_toml)
    assert caught.value.key == "scenario"

    bad_json = tmp_path / "bad.json"
    bad_json.write_text("[1, 2]")
    with pytest.raises(ConfigError, match="must be a table") as caught:
        load_scenario(bad_json)
    assert caught.value.key == "scenario"

    with pytest.raises(ConfigError, match="cannot read scenario file") as caught:
        load_scenario(tmp_path / "missing.toml")
    assert caught.value.key == "scenario"

    with pytest.raises(ConfigError, match=r"\.toml or \.json") as caught:
        load_scenario(tmp_path / "scenario.yaml")
    assert caught.value.key == "scenario"
