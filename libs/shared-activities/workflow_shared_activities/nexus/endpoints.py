"""Creating the Nexus endpoint that routes `SharedOperations` calls to a platform worker."""

from temporalio.api.nexus.v1 import EndpointSpec, EndpointTarget
from temporalio.api.operatorservice.v1 import (
    CreateNexusEndpointRequest,
    ListNexusEndpointsRequest,
)
from temporalio.client import Client

__all__ = ["ensure_nexus_endpoint"]


async def ensure_nexus_endpoint(
    client: Client, name: str, *, target_namespace: str, target_task_queue: str
) -> str:
    """Creates the endpoint ``name`` to a worker's task queue, unless it exists; its id.

    The same as ``temporal operator nexus endpoint create --name NAME --target-namespace NS
    --target-task-queue QUEUE``. Endpoints belong to the cluster, not a namespace: any
    client of the cluster (allowed to call the operator service) creates them.

    Raises:
        ValueError: An endpoint ``name`` exists with another target.
    """
    listed = await client.operator_service.list_nexus_endpoints(
        ListNexusEndpointsRequest(name=name)
    )
    for endpoint in listed.endpoints:
        worker = endpoint.spec.target.worker
        if endpoint.spec.name != name:
            continue
        if (worker.namespace, worker.task_queue) != (target_namespace, target_task_queue):
            raise ValueError(
                f"Nexus endpoint {name!r} exists with target"
                f" {worker.namespace}/{worker.task_queue}, not"
                f" {target_namespace}/{target_task_queue}"
            )
        return str(endpoint.id)
    created = await client.operator_service.create_nexus_endpoint(
        CreateNexusEndpointRequest(
            spec=EndpointSpec(
                name=name,
                target=EndpointTarget(
                    worker=EndpointTarget.Worker(
                        namespace=target_namespace, task_queue=target_task_queue
                    )
                ),
            )
        )
    )
    return str(created.endpoint.id)
