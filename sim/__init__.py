"""A simulated GPU cluster on loopback: the real control plane and KubeRay operator, KWOK's fake 8xA100 nodes.

``python -m sim up|down|status|build`` (or ``make sim-up`` ...). See sim/README.md.
"""
