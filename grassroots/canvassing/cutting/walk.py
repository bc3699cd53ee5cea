"""Walk order for one turf with OR-Tools routing: an open path, odd/even sides kept together."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from ortools.constraint_solver import pywrapcp, routing_enums_pb2


@dataclass
class WalkTask:
    """Everything one solve needs, picklable (for the worker processes)."""

    distance: np.ndarray  # n × n metres between the doors
    cross: np.ndarray  # n × n bool: the two doors are on opposite sides of the same street
    start: np.ndarray | None  # n metres from the start point to each door, or None (free start)
    penalty_m: float
    time_limit_ms: int
    guided: bool


def solve(task: WalkTask) -> list[int]:
    """The order (indices into the turf's doors) of an open walk visiting each door once.

    Node 0 is the start: the given point (its row of distances), or a free start (0 to every
    door). Every return to node 0 costs 0, so the tour is an open path — a canvasser does not
    walk back. Arc cost = metres + ``penalty_m`` when the arc crosses to the other side of the
    same street. First solution by cheapest arc, then local search to a local optimum (greedy
    descent: deterministic) or guided local search for the whole time limit."""
    n = len(task.distance)
    if n <= 1:
        return list(range(n))
    cost = np.zeros((n + 1, n + 1), dtype=np.int64)
    inner = task.distance + np.where(task.cross, task.penalty_m, 0.0)
    cost[1:, 1:] = np.rint(inner).astype(np.int64)
    if task.start is not None:
        cost[0, 1:] = np.rint(task.start).astype(np.int64)
    manager = pywrapcp.RoutingIndexManager(n + 1, 1, 0)
    routing = pywrapcp.RoutingModel(manager)
    transit = routing.RegisterTransitMatrix(cost.tolist())
    routing.SetArcCostEvaluatorOfAllVehicles(transit)
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PATH_CHEAPEST_ARC
    params.local_search_metaheuristic = (
        routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
        if task.guided
        else routing_enums_pb2.LocalSearchMetaheuristic.GREEDY_DESCENT
    )
    params.time_limit.FromMilliseconds(max(1, int(task.time_limit_ms)))
    solution = routing.SolveWithParameters(params)
    if solution is None:  # cannot happen on a complete graph; keep the input order regardless
        return list(range(n))
    order = []
    index = routing.Start(0)
    while not routing.IsEnd(index):
        node = manager.IndexToNode(index)
        if node:
            order.append(node - 1)
        index = solution.Value(routing.NextVar(index))
    return order


def solve_all(tasks: list[WalkTask], workers: int) -> list[list[int]]:
    """Solve every task, over ``workers`` processes when more than one (order preserved)."""
    if workers <= 1 or len(tasks) < 2:
        return [solve(t) for t in tasks]
    import multiprocessing

    ctx = multiprocessing.get_context("fork" if hasattr(__import__("os"), "fork") else "spawn")
    with ctx.Pool(workers) as pool:
        return pool.map(solve, tasks, chunksize=max(1, len(tasks) // (workers * 8)))
