"""The protocol diagrams draw the states the code has: a stage added to a journal without
a box in its diagram fails here."""

from __future__ import annotations

from aioinflux_legacyauth.provisioning import journal as rescope_journal
from aioinflux_legacyauth.rotation.journal import Stage
from docs._scripts import diagrams


def keys(diagram: diagrams.Diagram) -> set[str]:
    return {state.key for state in diagram.states}


def test_the_rotation_diagram_has_a_box_per_journal_stage() -> None:
    assert {stage.name.lower() for stage in Stage} <= keys(diagrams.ROTATION)


def test_the_rescope_diagram_has_a_box_per_journal_record() -> None:
    # The header (journaled before any change), "created", and the terminal records.
    records = {"journaled", "created", *rescope_journal._TERMINAL}
    assert records <= keys(diagrams.RESCOPE)


def test_every_arrow_joins_two_boxes() -> None:
    for diagram in diagrams.DIAGRAMS:
        for edge in diagram.edges:
            assert {edge.source, edge.target} <= keys(diagram), (diagram.name, edge)
