"""Will one GPU hold the run? An estimate per GPU for A100 40 GB and 80 GB, and the cheapest change.

verl 0.4.1 colocates the actor, the reference model and vLLM on every GPU and alternates two phases;
the larger of the two must fit (README, "Preflight memory model", gives the formula and its sources):

rollout (vLLM awake)   actor params 4P/W unless param offload + Adam 8P/W unless optimizer offload
                       + reference 2P/W unless offloaded + vLLM's share u x G + overhead
update  (vLLM asleep)  actor params 4P/W + grads 4P/W + Adam 8P/W (verl reloads offloaded state for the
                       update) + two gathered layers + activations + logits + reference + overhead

Inside vLLM's share: weights 2P/TP, a reserve for its profiling activations, and the KV cache, which
must hold at least one whole sequence (prompt + response) or vLLM refuses to start.
No GPU was available to calibrate this: it is arithmetic from the sources, not a measurement.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from rmjob.preflight.inputs import Inputs, node_shape
from rmjob.preflight.models import ModelShape, known_models, model_shape
from rmjob.preflight.result import Verdict, failed, passed, skipped
from rmjob.preflight.rules import Rule

GIB = 1024**3
# What CUDA reports as total memory (torch.cuda.mem_get_info) on the two A100 sizes, in GiB.
USABLE_GIB = {40: 39.4, 80: 79.1}
# CUDA context, NCCL buffers, allocator fragmentation: per GPU, an estimate.
OVERHEAD_GIB = 1.5
# vLLM's own activations during its start-up profile (eager mode, as verl runs it): an estimate.
VLLM_RESERVE_GIB = 1.0
BF16, FP32 = 2, 4


@dataclass(frozen=True)
class Setup:
    """The settings the estimate depends on, and that a fix may change."""

    nodes: int
    gpus_per_node: int
    tensor_parallel: int
    micro_batch: int
    utilization: float
    gradient_checkpointing: bool
    param_offload: bool
    optimizer_offload: bool
    ref_offload: bool
    use_ref: bool
    sequence: int  # prompt + response tokens

    @property
    def world(self) -> int:
        return self.nodes * self.gpus_per_node


@dataclass(frozen=True)
class Estimate:
    gpu_gib: float
    rollout_gib: float
    update_gib: float
    kv_cache_gib: float
    kv_needed_gib: float

    @property
    def peak_gib(self) -> float:
        return max(self.rollout_gib, self.update_gib)

    @property
    def fits(self) -> bool:
        return self.peak_gib <= self.gpu_gib and self.kv_cache_gib >= self.kv_needed_gib

    def describe(self) -> str:
        return (
            f"rollout {self.rollout_gib:.1f} GiB, update {self.update_gib:.1f} GiB "
            f"of {self.gpu_gib:.1f} GiB; "
            f"vLLM KV cache {self.kv_cache_gib:.1f} GiB (one sequence needs {self.kv_needed_gib:.2f})"
        )


def estimate(m: ModelShape, s: Setup, gpu_gib: float) -> Estimate:
    p, w = m.params, s.world
    params, grads, adam = FP32 * p / w, FP32 * p / w, 2 * FP32 * p / w
    ref = BF16 * p / w if s.use_ref and not s.ref_offload else 0.0
    vllm_share = s.utilization * gpu_gib * GIB
    rollout = (0 if s.param_offload else params) + (0 if s.optimizer_offload else adam) + ref + vllm_share

    tokens = s.micro_batch * s.sequence
    layer_activations = tokens * (6 * m.hidden_size + 3 * m.intermediate_size) * BF16
    activations = (
        m.num_hidden_layers * tokens * m.hidden_size * BF16 + layer_activations
        if s.gradient_checkpointing
        else m.num_hidden_layers * layer_activations
    )
    logits = tokens * m.vocab_size * (BF16 + FP32)  # logits, then fp32 log-probs
    gathered = 2 * m.layer_params * BF16 + m.layer_params * FP32  # FSDP prefetch + one layer's full grads
    update = params + grads + adam + gathered + activations + logits + ref

    kv_heads = max(1, m.num_key_value_heads // s.tensor_parallel)  # vLLM replicates heads when TP > heads
    kv_per_token = 2 * m.num_hidden_layers * kv_heads * m.head_dim * BF16
    weights = BF16 * p / s.tensor_parallel
    overhead = OVERHEAD_GIB * GIB
    return Estimate(
        gpu_gib=gpu_gib,
        rollout_gib=(rollout + overhead) / GIB,
        update_gib=(update + overhead) / GIB,
        kv_cache_gib=(vllm_share - weights) / GIB - VLLM_RESERVE_GIB,
        kv_needed_gib=kv_per_token * s.sequence / GIB,
    )


def setup_of(inputs: Inputs) -> Setup:
    spec, t = inputs.spec, inputs.spec.training
    return Setup(
        nodes=spec.cluster.nodes,
        gpus_per_node=spec.cluster.gpus_per_node,
        tensor_parallel=t.tensor_parallel_size,
        micro_batch=t.micro_batch_size_per_gpu,
        utilization=t.gpu_memory_utilization,
        gradient_checkpointing=t.gradient_checkpointing,
        param_offload=t.actor_param_offload,
        optimizer_offload=t.actor_optimizer_offload,
        ref_offload=t.ref_param_offload,
        use_ref=t.use_kl_loss,
        sequence=t.max_prompt_length + t.max_response_length,
    )


Change = tuple[str, Callable[[Setup], Setup | None]]


def _lower_utilization(m: ModelShape, gpu_gib: float) -> Callable[[Setup], Setup | None]:
    def change(s: Setup) -> Setup | None:
        for percent in range(round(s.utilization * 100) - 5, 9, -5):
            candidate = replace(s, utilization=percent / 100)
            if estimate(m, candidate, gpu_gib).fits:
                return candidate
        return None

    return change


def _more_nodes(m: ModelShape, gpu_gib: float) -> Callable[[Setup], Setup | None]:
    def change(s: Setup) -> Setup | None:
        for nodes in range(s.nodes + 1, 4 * s.nodes + 1):
            if estimate(m, replace(s, nodes=nodes), gpu_gib).fits:
                return replace(s, nodes=nodes)
        return None

    return change


def changes(m: ModelShape, gpu_gib: float) -> list[Change]:
    """Cheapest first: settings that cost no GPUs and little speed, then speed, then more GPUs."""
    return [
        (
            "gradient_checkpointing: true",
            lambda s: None if s.gradient_checkpointing else replace(s, gradient_checkpointing=True),
        ),
        ("micro_batch_size_per_gpu: 1", lambda s: None if s.micro_batch == 1 else replace(s, micro_batch=1)),
        (
            "ref_param_offload: true",
            lambda s: None if s.ref_offload or not s.use_ref else replace(s, ref_offload=True),
        ),
        (
            "actor_optimizer_offload: true",
            lambda s: None if s.optimizer_offload else replace(s, optimizer_offload=True),
        ),
        ("actor_param_offload: true", lambda s: None if s.param_offload else replace(s, param_offload=True)),
        (
            "tensor_parallel_size: {tensor_parallel}",
            lambda s: (
                None if s.tensor_parallel >= s.gpus_per_node else replace(s, tensor_parallel=s.gpus_per_node)
            ),
        ),
        ("gpu_memory_utilization: {utilization}", _lower_utilization(m, gpu_gib)),
        ("cluster.nodes: {nodes}", _more_nodes(m, gpu_gib)),
    ]


def cheapest_fix(m: ModelShape, s: Setup, gpu_gib: float) -> list[str] | None:
    """One change alone if any does it, else the changes applied together in order until it fits."""
    options = changes(m, gpu_gib)
    for label, change in options:
        candidate = change(s)
        if candidate is not None and estimate(m, candidate, gpu_gib).fits:
            return [_label(label, candidate)]
    applied: list[str] = []
    current = s
    for label, change in options:
        candidate = change(current)
        if candidate is None:
            continue
        current = candidate
        applied.append(_label(label, current))
        if estimate(m, current, gpu_gib).fits:
            return applied
    return None


def _label(template: str, s: Setup) -> str:
    fields: dict[str, Any] = {f: getattr(s, f) for f in ("tensor_parallel", "utilization", "nodes")}
    return template.format(**fields)


def memory_fit(rule: Rule, inputs: Inputs) -> list[Verdict]:
    spec = inputs.spec
    shape = model_shape(spec.model.path, inputs.spec_dir)
    if shape is None:
        return [
            skipped(
                f"{spec.model.path} is neither a local directory with config.json nor in rm-kit's table "
                f"({', '.join(known_models())}); memory not estimated"
            )
        ]
    node = node_shape(spec)
    setup = setup_of(inputs)
    gpu = USABLE_GIB.get(node.gpu_memory_gb, float(node.gpu_memory_gb))
    mine = estimate(shape, setup, gpu)
    other_size = 40 if node.gpu_memory_gb == 80 else 80
    other = estimate(shape, setup, USABLE_GIB[other_size])
    on_other = f"; on {other_size} GB A100s it would {'fit' if other.fits else 'not fit'}"
    what = f"{shape.params / 1e9:.1f}B params on {setup.world} x {node.product}"
    if mine.fits:
        return [
            passed(
                f"{what}: fits, {mine.gpu_gib - mine.peak_gib:.1f} GiB spare ({mine.describe()}){on_other}"
            )
        ]
    fix = cheapest_fix(shape, setup, gpu)
    over = mine.peak_gib - mine.gpu_gib
    short = (
        f"{over:.1f} GiB over"
        if over > 0
        else f"KV cache short by {mine.kv_needed_gib - mine.kv_cache_gib:.2f} GiB"
    )
    return [
        failed(
            f"{what}: does not fit, {short} ({mine.describe()}){on_other}",
            ("set training." + ", training.".join(fix)).replace("training.cluster.", "cluster.")
            if fix
            else "no single setting fixes it: use a smaller model or 80 GB GPUs",
        )
    ]
