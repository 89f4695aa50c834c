from rmjob.preflight.generic import in_range, version_rule
from rmjob.preflight.inputs import Inputs, VersionSource, version_sources
from rmjob.preflight.rules import load_rules
from rmjob.preflight.versions import ray_versions_agree, stack_pins
from rmjob.schema import replace
from rmjob.spec import load_spec

RULES = {r.id: r for r in load_rules()}


def inputs_with(*extra: VersionSource, image: str | None = None) -> Inputs:
    spec = load_spec("pairwise")
    if image:
        spec = replace(spec, cluster=replace(spec.cluster, image=image))
    pinned = version_sources()[0]
    return Inputs(spec, None, (), (pinned, *extra))


def test_the_checkout_agrees_with_itself():
    sources = tuple(version_sources())
    assert len(sources) >= 4  # pinned set, two image locks, the chart (and the client where Ray is installed)
    inputs = Inputs(load_spec("pairwise"), None, (), sources)
    for check in (ray_versions_agree, stack_pins):
        assert [v.status for v in check(RULES["ray-versions-agree"], inputs)] == ["pass"]


def test_ray_in_the_dashboard_hang_range_is_refused_wherever_it_is():
    verdicts = version_rule(
        RULES["ray-dashboard-hang"], inputs_with(VersionSource("trainer image lock", {"ray": "2.30.1"}))
    )
    assert [v.status for v in verdicts] == ["fail"] and "2.30.1" in verdicts[0].detail
    assert in_range("2.37.0", "2.11", "2.37") and not in_range("2.38.0", "2.11", "2.37")
    assert not in_range("2.10.9", "2.11", "2.37")


def test_vllm_newer_than_verl_supports_is_refused():
    verdicts = version_rule(
        RULES["vllm-newer-than-verl"], inputs_with(VersionSource("trainer image lock", {"vllm": "0.9.0"}))
    )
    assert verdicts[0].status == "fail" and "0.8.4" in verdicts[0].fix


def test_a_chart_whose_ray_differs_from_the_image_is_refused_with_make_sync():
    verdicts = ray_versions_agree(
        RULES["ray-versions-agree"], inputs_with(VersionSource("chart rayVersion", {"ray": "2.41.0"}))
    )
    assert verdicts[0].status == "fail" and "make sync" in verdicts[0].fix


def test_a_client_differing_only_in_patch_release_passes_but_not_in_minor():
    rule = RULES["ray-versions-agree"]
    assert (
        ray_versions_agree(rule, inputs_with(VersionSource("client", {"ray": "2.46.3"}, exact=False)))[
            0
        ].status
        == "pass"
    )
    refused = ray_versions_agree(rule, inputs_with(VersionSource("client", {"ray": "2.44.1"}, exact=False)))
    assert refused[0].status == "fail" and "pip install" in refused[0].fix


def test_an_image_lock_off_the_pinned_stack_is_refused_and_a_custom_image_is_left_to_doctor():
    lock = VersionSource(
        "trainer image lock", {"torch": "2.7.0", "vllm": "0.8.4", "verl": "0.4.1", "ray": "2.46.0"}
    )
    verdicts = stack_pins(RULES["stack-pins"], inputs_with(lock))
    assert [v.status for v in verdicts] == ["fail"] and "torch 2.7.0" in verdicts[0].detail
    custom = stack_pins(RULES["stack-pins"], inputs_with(lock, image="me/trainer:1"))
    assert custom[0].status == "pass" and "rmjob doctor" in custom[0].detail
