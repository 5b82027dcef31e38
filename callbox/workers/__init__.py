"""The workers of one process: the job runner and the handlers of each job kind."""

from callbox.workers.system import Workers, build_workers, sim_network

__all__ = ["Workers", "build_workers", "sim_network"]
