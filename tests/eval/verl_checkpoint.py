"""Write a verl 0.4.1 FSDP actor checkpoint on CPU with verl's own ``FSDPCheckpointManager``.

What verl's trainer does at ``save_freq``, on one CPU process: a gloo process group of world size 1, the
model wrapped in FSDP over a one-dimensional ``fsdp`` device mesh (as ``verl/workers/fsdp_workers.py``
builds it), an AdamW optimizer, and the manager's ``save_checkpoint`` into
``<run>/global_step_N/actor``, then the ``latest_checkpointed_iteration.txt`` tracker the trainer writes.

Run it in its own interpreter (it initialises torch.distributed):
``python -m tests.eval.verl_checkpoint MODEL_DIR RUN_DIR STEP``.
"""

from __future__ import annotations

import socket
import sys
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def write_checkpoint(model_dir: Path, run_dir: Path, step: int) -> Path:
    import torch
    import torch.distributed as dist
    from omegaconf import OmegaConf
    from torch.distributed.device_mesh import init_device_mesh
    from torch.distributed.fsdp import FullyShardedDataParallel as FSDP
    from torch.distributed.fsdp import ShardingStrategy
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from verl.utils.checkpoint.fsdp_checkpoint_manager import FSDPCheckpointManager

    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{free_port()}", rank=0, world_size=1)
    try:
        mesh = init_device_mesh("cpu", mesh_shape=(1,), mesh_dim_names=("fsdp",))
        model = AutoModelForCausalLM.from_pretrained(str(model_dir), torch_dtype=torch.float32)
        # device_id names the CPU explicitly: without it FSDP asks for an accelerator.
        fsdp = FSDP(
            model,
            device_id=torch.device("cpu"),
            device_mesh=mesh,
            sharding_strategy=ShardingStrategy.FULL_SHARD,
            use_orig_params=False,
        )
        optimizer = torch.optim.AdamW(fsdp.parameters(), lr=1e-6)
        manager = FSDPCheckpointManager(
            model=fsdp,
            optimizer=optimizer,
            lr_scheduler=None,
            processing_class=AutoTokenizer.from_pretrained(str(model_dir)),
            checkpoint_config=OmegaConf.create({"save_contents": ["model", "optimizer", "extra"]}),
        )
        actor = run_dir / f"global_step_{step}" / "actor"
        manager.save_checkpoint(str(actor), global_step=step)
        (run_dir / "latest_checkpointed_iteration.txt").write_text(str(step))
        return actor
    finally:
        dist.destroy_process_group()


if __name__ == "__main__":
    print(write_checkpoint(Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])))
