"""Issue 13: the commissioning package has no import circle. Its modules form layers, each
importing only the ones below: service -> engine -> steps -> report -> checklist / report_html
-> security_seen -> model -> profile."""

import grimp

LAYERS = ["service", "engine", "steps", "report", "report_html", "checklist", "security_seen",
          "model", "profile"]


def test_commissioning_imports_go_one_way():
    graph = grimp.build_graph("ocpp_studio")
    illegal = graph.find_illegal_dependencies_for_layers(
        layers=LAYERS, containers={"ocpp_studio.commissioning"})
    assert not illegal, [(d.importer, d.imported, d.routes) for d in illegal]
