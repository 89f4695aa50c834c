"""``python -m sim up|down|status|build``: the simulated cluster's launcher (used by mk/sim.mk and the tests).

``up`` prints the kubeconfig path on stdout (``export KUBECONFIG=$(python -m sim up)``);
progress goes to stderr.
Errors are one line on stderr and exit status 2.
"""

from __future__ import annotations

import argparse
import json
import sys

from rmjob.errors import UserError
from sim import build, cluster, components


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sim", description=__doc__)
    verbs = parser.add_subparsers(dest="verb", required=True)
    up = verbs.add_parser(
        "up", help="start the cluster or reuse the running one (GPU_NODES, CPU_NODES, SIM_PORT_BASE)"
    )
    up.add_argument("--gpu-nodes", type=int, help="fake 8xA100 nodes (default: GPU_NODES or 2)")
    up.add_argument(
        "--cpu-nodes", type=int, help="fake CPU nodes for heads and submitters (default: CPU_NODES or 1)"
    )
    down = verbs.add_parser("down", help="stop every process of the cluster and delete its state")
    down.add_argument("--all", action="store_true", help="also clusters left behind by killed test sessions")
    verbs.add_parser("status", help="components, ports, health and nodes as JSON; exit 3 when not running")
    verbs.add_parser("build", help="build the pinned binaries into the cache (once per machine)")
    claim_dir = verbs.add_parser(
        "claim-dir",
        help="print the directory on this machine holding a bound claim's data (pods see it mounted)",
    )
    claim_dir.add_argument("claim", help="PersistentVolumeClaim name, e.g. rm-cluster-data")
    claim_dir.add_argument("-n", "--namespace", default="default")
    args = parser.parse_args(argv)
    try:
        if args.verb == "up":
            sizes = cluster.Sizes.from_env()
            sizes = cluster.Sizes(
                args.gpu_nodes if args.gpu_nodes is not None else sizes.gpu_nodes,
                args.cpu_nodes if args.cpu_nodes is not None else sizes.cpu_nodes,
            )
            print(cluster.up(sizes))
        elif args.verb == "down":
            stopped = cluster.down_everywhere() if args.all else cluster.down()
            print(f"sim: stopped {len(stopped)} processes; state removed", file=sys.stderr)
        elif args.verb == "status":
            report = cluster.status()
            print(json.dumps(report, indent=2))
            return 0 if report["running"] else 3
        elif args.verb == "claim-dir":
            print(cluster.claim_directory(args.namespace, args.claim))
        elif args.verb == "build":
            build.ensure_built()
            for component in components.all_components():
                record = build.build_record(component)
                built = f"built in {record.get('seconds')} s"
                print(f"{component.name} {component.version}: {component.directory} ({built})")
    except UserError as error:
        print(f"sim: error: {error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print("sim: interrupted; run `make sim-down` to clean up", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
