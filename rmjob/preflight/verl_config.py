"""The Hydra config ``verl.trainer.main_ppo`` will run with, composed once per check."""

from __future__ import annotations

import importlib.util
from typing import Any

from rmjob.platform import load_platform
from rmjob.preflight.inputs import Inputs
from rmjob.verl_args import verl_overrides

NOT_INSTALLED = (
    "verl is not installed here, so verl's own start-up checks were skipped "
    "(pip install -e '.[train]' to run them)"
)


def verl_installed() -> bool:
    return importlib.util.find_spec("verl") is not None and importlib.util.find_spec("hydra") is not None


def compose(overrides: list[str]) -> Any:
    """Hydra's compose of ppo_trainer.yaml from the installed wheel, with these overrides, as
    ``verl.trainer.main_ppo``'s ``@hydra.main(config_name="ppo_trainer")`` does."""
    from hydra import compose as hydra_compose
    from hydra import initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra

    from rmjob.preflight.upstream import verl_file

    GlobalHydra.instance().clear()
    with initialize_config_dir(config_dir=str(verl_file("trainer/config")), version_base=None):
        return hydra_compose(config_name="ppo_trainer", overrides=overrides)


class ComposeFailed(Exception):
    """Hydra refused the overrides (a wrong type, a bad interpolation): verl would refuse them too."""


def composed(inputs: Inputs) -> Any:
    """The resolved config, as ``main_ppo``'s TaskRunner has it after ``OmegaConf.resolve``."""
    if "verl_config" not in inputs.extra:
        from omegaconf import OmegaConf

        try:
            config = compose(verl_overrides(inputs.spec, inputs.spec.name, load_platform()))
            OmegaConf.resolve(config)
        except Exception as exc:  # Hydra's and OmegaConf's errors share no base class
            if type(exc).__name__ == "UserError":
                raise
            inputs.extra["verl_config"] = ComposeFailed(str(exc).splitlines()[0])
        else:
            inputs.extra["verl_config"] = config
    found = inputs.extra["verl_config"]
    if isinstance(found, ComposeFailed):
        raise found
    return found


def config_or_skip(inputs: Inputs) -> Any:
    """The composed config, or a skip verdict saying why verl's view is not available here."""
    from rmjob.preflight.result import skipped

    if not verl_installed():
        return skipped(NOT_INSTALLED)
    try:
        return composed(inputs)
    except ComposeFailed as exc:
        return skipped(f"the config does not compose ({exc}); see verl-startup")


def world_size(config: Any) -> int:
    return int(config.trainer.nnodes) * int(config.trainer.n_gpus_per_node)
