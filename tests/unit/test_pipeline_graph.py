"""The pure rules of a pipeline's graph: attaching, cycles, running order and inputs."""

from __future__ import annotations

import pytest

from modelyard.core.pipelines import graph
from modelyard.core.pipelines.graph import START, Edge, Node, Port
from modelyard.errors import InvalidInput


def model(name: str, takes: dict[str, str], gives: dict[str, str]) -> Node:
    return Node(name, "model", takes=Port("structured", takes), gives=Port("structured", gives))


def plain_model(name: str) -> Node:
    return Node(name, "model", takes=Port("plain"), gives=Port("plain"))


START_NODE = Node(START, "start", gives=Port("structured", {"x": "double", "label": "string"}))
SCORER = model("scorer", {"value": "double"}, {"score": "double", "n": "int"})
JOINER = model("joiner", {"a": "double", "b": "double"}, {"total": "double"})
SINK = Node("sink", "connector", takes=Port("structured", {"score": "double"}))


def refused(call: object, *args: object, **kwargs: object) -> InvalidInput:
    with pytest.raises(InvalidInput) as caught:
        call(*args, **kwargs)  # type: ignore[operator]
    return caught.value


class TestWhatMayBeAttached:
    def test_a_full_mapping_with_matching_types_is_accepted(self) -> None:
        graph.check_attachment(START_NODE, SCORER, [("x", "value")], others=[])

    def test_pipeline_start_is_never_a_destination(self) -> None:
        error = refused(graph.check_attachment, SCORER, START_NODE, [], others=[])
        assert error.field == "destination_name"
        assert "pipeline_start can only be the source" in error.message

    def test_a_connector_is_never_a_source(self) -> None:
        error = refused(graph.check_attachment, SINK, SCORER, [("score", "value")], others=[])
        assert error.field == "source_name"
        assert "'sink' can only be a destination" in error.message

    def test_a_connector_may_be_a_destination(self) -> None:
        graph.check_attachment(SCORER, SINK, [("score", "score")], others=[])

    def test_an_unmapped_destination_field_is_named(self) -> None:
        error = refused(graph.check_attachment, START_NODE, JOINER, [("x", "a")], others=[])
        assert error.field == "mapping"
        assert "not mapped: b" in error.message

    def test_an_unknown_source_field_is_named_with_its_position(self) -> None:
        mapping = [("x", "value"), ("nope", "value")]
        error = refused(graph.check_attachment, START_NODE, SCORER, mapping, others=[])
        assert error.field == "mapping[1].source_field_name"
        assert "no output field 'nope'" in error.message
        assert "'x', 'label'" in error.message

    def test_an_unknown_destination_field_is_named(self) -> None:
        error = refused(graph.check_attachment, START_NODE, SCORER, [("x", "v")], others=[])
        assert error.field == "mapping[0].destination_field_name"
        assert "no input field 'v'" in error.message

    def test_a_type_mismatch_names_both_fields_and_types(self) -> None:
        error = refused(graph.check_attachment, START_NODE, SCORER, [("label", "value")], others=[])
        assert error.field == "mapping[0]"
        assert "'label' of 'pipeline_start' is string" in error.message
        assert "'value' of 'scorer' is double" in error.message

    def test_a_destination_field_mapped_twice_is_refused(self) -> None:
        mapping = [("x", "value"), ("x", "value")]
        error = refused(graph.check_attachment, START_NODE, SCORER, mapping, others=[])
        assert "mapped twice" in error.message

    def test_one_source_field_may_feed_several_destination_fields(self) -> None:
        graph.check_attachment(START_NODE, JOINER, [("x", "a"), ("x", "b")], others=[])

    def test_a_join_maps_what_the_other_attachments_leave(self) -> None:
        first = Edge("scorer", "joiner", (("score", "a"), ("score", "b")))
        graph.check_attachment(START_NODE, JOINER, [("x", "b")], others=[first])
        partial = Edge("scorer", "joiner", (("score", "a"),))
        error = refused(graph.check_attachment, START_NODE, JOINER, [], others=[partial])
        assert "not mapped: b" in error.message

    def test_plain_objects_attach_without_a_mapping(self) -> None:
        graph.check_attachment(plain_model("p1"), plain_model("p2"), [], others=[])
        error = refused(
            graph.check_attachment, plain_model("p1"), plain_model("p2"), [("a", "b")], others=[]
        )
        assert error.field == "mapping"

    def test_plain_output_cannot_feed_structured_input(self) -> None:
        error = refused(graph.check_attachment, plain_model("p"), SCORER, [], others=[])
        assert "gives plain output but 'scorer' takes structured input" in error.message

    def test_a_plain_object_takes_one_source(self) -> None:
        taken = [Edge("p0", "p2", ())]
        error = refused(
            graph.check_attachment, plain_model("p1"), plain_model("p2"), [], others=taken
        )
        assert "already takes its input from 'p0'" in error.message

    def test_an_object_cannot_feed_itself(self) -> None:
        error = refused(graph.check_attachment, SCORER, SCORER, [("score", "value")], others=[])
        assert "cannot feed itself" in error.message


class TestCycles:
    EDGES = [Edge(START, "a"), Edge("a", "b"), Edge("b", "c")]

    def test_closing_a_loop_is_found_with_its_path(self) -> None:
        assert graph.find_cycle(self.EDGES, "c", "a") == ["c", "a", "b", "c"]

    def test_a_fan_in_is_no_cycle(self) -> None:
        assert graph.find_cycle(self.EDGES, "a", "c") is None

    def test_the_refusal_names_the_objects(self) -> None:
        error = refused(graph.check_acyclic, self.EDGES, "c", "a")
        assert error.field == "destination_name"
        assert "would make a cycle: c → a → b → c" in error.message


class TestPlan:
    NODES = {
        START: START_NODE,
        "left": SCORER,
        "right": SCORER,
        "joiner": JOINER,
        "loner": SCORER,
    }
    EDGES = [
        Edge(START, "left", (("x", "value"),)),
        Edge(START, "right", (("x", "value"),)),
        Edge("left", "joiner", (("score", "a"), ("score", "b"))),
        Edge("right", "joiner", (("score", "b"),)),
    ]

    def test_only_connected_objects_run_each_after_its_sources(self) -> None:
        planned = graph.plan(self.NODES, self.EDGES)
        assert set(planned.order) == {"left", "right", "joiner"}
        assert planned.order[-1] == "joiner"
        assert graph.sources_of(planned, "joiner") == {"left", "right"}
        assert graph.sources_of(planned, "left") == set()

    def test_a_join_takes_later_mappings_over_earlier_ones(self) -> None:
        planned = graph.plan(self.NODES, self.EDGES)
        outputs = {"left": {"score": 1.0}, "right": {"score": 2.0}}
        joined = graph.assemble(JOINER.takes, planned.incoming["joiner"], outputs)  # type: ignore[arg-type]
        assert joined == {"a": 1.0, "b": 2.0}

    def test_an_input_left_unmapped_after_a_deletion_refuses_the_request(self) -> None:
        edges = [e for e in self.EDGES if e.source != "left"]
        error = refused(graph.plan, self.NODES, edges)
        assert error.field == "pipeline_name"
        assert "input field(s) a of object 'joiner'" in error.message

    def test_a_plain_object_takes_its_source_output_as_is(self) -> None:
        takes = Port("plain")
        assert graph.assemble(takes, [Edge(START, "p")], {START: "hello"}) == "hello"
