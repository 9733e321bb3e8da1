import workflow_activity_kit
import workflow_contracts
import workflow_events
import workflow_file_status
import workflow_shared_activities as wsa


def test_umbrella_re_exports_every_public_name_of_its_parts() -> None:
    for module in (
        workflow_activity_kit,
        workflow_contracts,
        workflow_events,
        workflow_file_status,
    ):
        for name in module.__all__:
            assert getattr(wsa, name) is getattr(module, name), name
            assert name in wsa.__all__


def test_the_health_endpoints_add_two_public_names() -> None:
    from workflow_shared_activities import health

    assert health.__all__ == ["HealthServer", "serve_health"]
    for name in health.__all__:
        assert getattr(wsa, name) is getattr(health, name) and name in wsa.__all__
