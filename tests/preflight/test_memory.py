"""The memory model: parameter counts against the published sizes, fits and fixes both ways."""

from dataclasses import replace

import pytest

from rmjob.preflight.inputs import Inputs
from rmjob.preflight.memory import USABLE_GIB, cheapest_fix, estimate, setup_of
from rmjob.preflight.models import model_shape
from rmjob.spec import load_spec
from tests.preflight.conftest import check, results

# The seed's settings (Qwen3-14B, TP 8, u 0.6, ref offload, 4096 + 2048 tokens) on one 8-GPU node.
SEED = setup_of(Inputs(load_spec("pairwise-seed"), None, (), ()))


@pytest.mark.parametrize(
    ("model", "billions"),
    [
        ("Qwen/Qwen3-0.6B", 0.6),
        ("Qwen/Qwen3-8B", 8.2),
        ("Qwen/Qwen3-14B", 14.8),
        ("Qwen/Qwen3-32B", 32.8),
        ("Qwen/Qwen2.5-7B-Instruct", 7.6),
        ("Qwen/Qwen2.5-14B-Instruct", 14.7),
    ],
)
def test_parameter_counts_match_the_published_sizes(model, billions):
    shape = model_shape(model, None)
    assert shape is not None and shape.params / 1e9 == pytest.approx(billions, abs=0.1)


def test_the_seed_setup_fits_80gb_and_not_40gb_where_two_nodes_fix_it():
    qwen14 = model_shape("Qwen/Qwen3-14B", None)
    assert estimate(qwen14, SEED, USABLE_GIB[80]).fits
    on40 = estimate(qwen14, SEED, USABLE_GIB[40])
    assert not on40.fits and on40.rollout_gib > USABLE_GIB[40]
    assert cheapest_fix(qwen14, SEED, USABLE_GIB[40]) == ["cluster.nodes: 2"]
    assert estimate(qwen14, replace(SEED, nodes=2), USABLE_GIB[40]).fits


def test_offloading_the_optimizer_is_the_cheapest_fix_for_32b_on_80gb_and_it_does_fit():
    qwen32 = model_shape("Qwen/Qwen3-32B", None)
    assert not estimate(qwen32, SEED, USABLE_GIB[80]).fits
    assert cheapest_fix(qwen32, SEED, USABLE_GIB[80]) == ["actor_optimizer_offload: true"]
    assert estimate(qwen32, replace(SEED, optimizer_offload=True), USABLE_GIB[80]).fits


def test_offload_lowers_the_rollout_phase_but_not_the_update_phase():
    qwen14 = model_shape("Qwen/Qwen3-14B", None)
    before, after = (
        estimate(qwen14, s, 80) for s in (SEED, replace(SEED, param_offload=True, optimizer_offload=True))
    )
    assert after.rollout_gib < before.rollout_gib and after.update_gib == before.update_gib


def test_a_kv_cache_too_small_for_one_sequence_does_not_fit():
    qwen14 = model_shape("Qwen/Qwen3-14B", None)
    starved = estimate(qwen14, replace(SEED, utilization=0.1, tensor_parallel=1), USABLE_GIB[80])
    assert starved.kv_cache_gib < starved.kv_needed_gib and not starved.fits


def test_the_presets_fit_their_80gb_nodes(spec_in):
    (found,) = results(check("pairwise", skip_rules=frozenset({"verl-startup"})), "memory-fit")
    assert found.status == "pass" and "fits" in found.detail


def test_the_seed_on_40gb_nodes_is_refused_with_how_much_and_the_fix(spec_in):
    spec = spec_in(cluster={"node_shape": "aws-p4d"})
    (found,) = results(check(spec, skip_rules=frozenset({"verl-startup"})), "memory-fit")
    assert found.status == "fail" and "GiB over" in found.detail and found.fix == "set cluster.nodes: 2"


def test_the_fix_the_check_proposes_makes_the_spec_pass(spec_in):
    fixed = spec_in(cluster={"node_shape": "aws-p4d", "nodes": 2})
    assert results(check(fixed, skip_rules=frozenset({"verl-startup"})), "memory-fit")[0].status == "pass"


def test_an_unknown_remote_model_is_skipped_not_refused(spec_in):
    spec = spec_in(model={"path": "someone/unknown-model"})
    (found,) = results(check(spec, skip_rules=frozenset({"verl-startup"})), "memory-fit")
    assert found.status == "skip" and "Qwen/Qwen3-14B" in found.detail
