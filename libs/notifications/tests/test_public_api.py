"""The public names of workflow_notifications: a change here is a decision (and a changelog entry)."""

import importlib

import workflow_notifications


def test_workflow_notifications_names() -> None:
    assert set(workflow_notifications.__all__) == {
        "NOTIFICATIONS",
        "NotificationPublisher",
        "NotificationRequest",
        "NotificationResource",
        "NotificationSettings",
        "PublishOutcome",
        "SendNotificationActivity",
    }
    assert len(workflow_notifications.__all__) <= 12


def test_every_public_name_resolves_and_modules_are_private_otherwise() -> None:
    for module in ["workflow_notifications"]:
        mod = importlib.import_module(module)
        for name in mod.__all__:
            assert getattr(mod, name) is not None, (module, name)
