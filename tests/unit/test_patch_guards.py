"""Version guards for what ``ucj.transform`` patches or relies on inside dbt-common and Cosmos.

``speed_up_in_process_dbt`` replaces ``dbt_common.behavior_flags.BehaviorFlagRendered._default_source``;
``watch_after_build`` rewires Cosmos' watcher producer (``tests_per_model``, ``trigger_rule``,
the group's roots) and subclasses its operators around ``run_dbt_runner``. None of this is public
API: an upgrade of dbt-common or astronomer-cosmos may change it without notice. These tests
fail first, naming what changed, so that the patch is re-checked before the upgrade ships.
"""

from __future__ import annotations

import importlib.util
import inspect
from importlib.metadata import version
from pathlib import Path
from types import FunctionType, ModuleType

import pytest

from ucj import transform

# The versions the patches were last checked against; on an upgrade, re-read the patched code,
# then update these lines with the new versions.
CHECKED = {"dbt-common": "1.39.0", "astronomer-cosmos": "1.15.1"}


def _upgrade_hint(package: str) -> str:
    return (
        f"{package} {version(package)} (patches checked against {CHECKED[package]}): "
        "ucj.transform patches this internal; re-check the patch against the new code, then update "
        "tests/unit/test_patch_guards.py"
    )


def _parameters(func: object) -> list[tuple[str, inspect._ParameterKind]]:
    return [(p.name, p.kind) for p in inspect.signature(func).parameters.values()]  # type: ignore[arg-type]


# --------------------------------------------------------------------------- dbt-common


@pytest.fixture(scope="module")
def pristine_behavior_flags() -> ModuleType:
    """A fresh copy of ``dbt_common.behavior_flags``: the original class even after the process's
    one was patched (``speed_up_in_process_dbt`` patches it once per process, for good)."""
    spec = importlib.util.find_spec("dbt_common.behavior_flags")
    assert spec is not None and spec.loader is not None, _upgrade_hint("dbt-common")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert hasattr(module, "BehaviorFlagRendered"), "dbt_common.behavior_flags.BehaviorFlagRendered is gone; " + (
        _upgrade_hint("dbt-common")
    )
    return module


def test_default_source_is_a_staticmethod_without_parameters(pristine_behavior_flags: ModuleType) -> None:
    cls = pristine_behavior_flags.BehaviorFlagRendered
    static = inspect.getattr_static(cls, "_default_source", None)
    assert isinstance(static, staticmethod), (
        f"BehaviorFlagRendered._default_source is {static!r}, not a staticmethod; " + _upgrade_hint("dbt-common")
    )
    assert _parameters(static.__func__) == [], (
        f"BehaviorFlagRendered._default_source{inspect.signature(static.__func__)} takes parameters now; "
        + _upgrade_hint("dbt-common")
    )
    assert inspect.signature(static.__func__).return_annotation in (str, "str"), _upgrade_hint("dbt-common")


def test_the_flag_constructor_still_calls_default_source(pristine_behavior_flags: ModuleType) -> None:
    """Otherwise the patch is dead weight and the slow ``inspect.stack()`` may be back elsewhere."""
    init = pristine_behavior_flags.BehaviorFlagRendered.__init__
    assert "_default_source" in init.__code__.co_names, (
        "BehaviorFlagRendered.__init__ no longer calls _default_source; " + _upgrade_hint("dbt-common")
    )


def test_the_replacement_names_the_same_module_as_the_original(pristine_behavior_flags: ModuleType) -> None:
    """The patched class answers what the original answers: the module that builds the flag."""
    cls = pristine_behavior_flags.BehaviorFlagRendered
    flag = {"name": "ucj_guard_flag", "default": True, "description": "guard"}
    original = cls(flag, {})._behavior_change_event.flag_source
    patched_cls = type("Patched", (cls,), {"_default_source": staticmethod(transform._module_of_caller)})
    patched = patched_cls(flag, {})._behavior_change_event.flag_source
    assert original == __name__, f"the original names {original!r}; " + _upgrade_hint("dbt-common")
    assert patched == original, (
        f"ucj.transform._module_of_caller answers {patched!r} where dbt-common answers {original!r}; "
        + _upgrade_hint("dbt-common")
    )


# --------------------------------------------------------------------------- Cosmos


@pytest.fixture(autouse=True, scope="module")
def _airflow_before_cosmos() -> None:
    """Airflow first, as in the DAG files: cosmos.constants imported first imports airflow, whose
    plugin loading imports cosmos.constants again, half-initialised (ImportError)."""
    import airflow  # noqa: F401


def test_the_watcher_task_ids_exist() -> None:
    from cosmos import constants

    for name in ("PRODUCER_WATCHER_TASK_ID", "PRODUCER_WATCHER_DONE_TASK_ID"):
        value = getattr(constants, name, None)
        assert isinstance(value, str) and value, f"cosmos.constants.{name} is {value!r}; " + _upgrade_hint(
            "astronomer-cosmos"
        )


def test_is_detached_test_takes_a_node_and_detaches_tests_of_two_models() -> None:
    from cosmos.airflow.graph import is_detached_test
    from cosmos.constants import DbtResourceType
    from cosmos.dbt.graph import DbtNode

    assert _parameters(is_detached_test) == [("node", inspect.Parameter.POSITIONAL_OR_KEYWORD)], (
        f"cosmos.airflow.graph.is_detached_test{inspect.signature(is_detached_test)}; "
        + _upgrade_hint("astronomer-cosmos")
    )

    def node(uid: str, kind: DbtResourceType, parents: list[str]) -> DbtNode:
        return DbtNode(
            unique_id=uid, resource_type=kind, depends_on=parents, path_base=Path("."), original_file_path=Path("x")
        )

    two = node("test.p.relationships_a_b", DbtResourceType.TEST, ["model.p.a", "model.p.b"])
    one = node("test.p.not_null_a_id", DbtResourceType.TEST, ["model.p.a"])
    model = node("model.p.c", DbtResourceType.MODEL, ["model.p.a", "model.p.b"])
    assert (is_detached_test(two), is_detached_test(one), is_detached_test(model)) == (True, False, False), (
        "cosmos.airflow.graph.is_detached_test decides differently; " + _upgrade_hint("astronomer-cosmos")
    )


def test_the_producer_keeps_tests_per_model_as_an_attribute_it_reads() -> None:
    """watch_after_build rewrites ``producer.tests_per_model`` after the operator is built: Cosmos
    must read the attribute when it runs, not a copy taken in ``__init__``."""
    from cosmos.operators.watcher import DbtProducerWatcherOperator

    init = inspect.unwrap(vars(DbtProducerWatcherOperator)["__init__"])  # Airflow wraps operators' __init__
    stored = "tests_per_model" in init.__code__.co_names
    readers = [
        name
        for name, member in vars(DbtProducerWatcherOperator).items()
        if isinstance(member, FunctionType) and name != "__init__" and "tests_per_model" in member.__code__.co_names
    ]
    assert stored and readers, (
        "DbtProducerWatcherOperator no longer keeps tests_per_model as an attribute read at run time "
        f"(set in __init__: {stored}, read by: {readers}); " + _upgrade_hint("astronomer-cosmos")
    )


@pytest.mark.parametrize(
    "operator",
    [
        "DbtProducerWatcherOperator",
        "DbtSeedWatcherOperator",
        "DbtRunWatcherOperator",
        "DbtSnapshotWatcherOperator",
        "DbtTestWatcherOperator",
    ],
)
def test_run_dbt_runner_keeps_its_signature(operator: str) -> None:
    """ucj.transform._locked_operator_class overrides it as ``run_dbt_runner(self, command, env, cwd, **kwargs)``."""
    from cosmos.operators import watcher

    cls = getattr(watcher, operator, None)
    assert cls is not None, f"cosmos.operators.watcher.{operator} is gone; " + _upgrade_hint("astronomer-cosmos")
    method = getattr(cls, "run_dbt_runner", None)
    assert callable(method), f"{operator}.run_dbt_runner is gone; " + _upgrade_hint("astronomer-cosmos")
    P = inspect.Parameter
    expected = [
        ("self", P.POSITIONAL_OR_KEYWORD),
        ("command", P.POSITIONAL_OR_KEYWORD),
        ("env", P.POSITIONAL_OR_KEYWORD),
        ("cwd", P.POSITIONAL_OR_KEYWORD),
        ("kwargs", P.VAR_KEYWORD),
    ]
    assert _parameters(method) == expected, f"{operator}.run_dbt_runner{inspect.signature(method)}; " + _upgrade_hint(
        "astronomer-cosmos"
    )


def test_the_task_group_parts_watch_after_build_uses() -> None:
    from cosmos import DbtTaskGroup
    from cosmos.converter import DbtToAirflowConverter
    from cosmos.dbt.graph import DbtGraph

    missing = [a for a in ("children", "roots", "iter_tasks", "group_id") if not hasattr(DbtTaskGroup, a)]
    assert not missing, f"DbtTaskGroup has no {missing}; " + _upgrade_hint("astronomer-cosmos")
    assert "dbt_graph" in DbtToAirflowConverter.__init__.__code__.co_names, (
        "DbtToAirflowConverter no longer sets self.dbt_graph; " + _upgrade_hint("astronomer-cosmos")
    )
    assert isinstance(inspect.getattr_static(DbtGraph, "nodes", None), dict), (
        "DbtGraph.nodes is no longer a dict of nodes; " + _upgrade_hint("astronomer-cosmos")
    )
