"""Cluster I/O: the only package that talks to the Kubernetes API server."""

from rmjob.kube.cluster import Cluster

__all__ = ["Cluster"]
