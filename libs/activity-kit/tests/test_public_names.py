import workflow_activity_kit
from workflow_activity_kit import aws


def test_the_kit_exports_exactly_its_public_names() -> None:
    assert set(workflow_activity_kit.__all__) == {
        "ErrorFacts",
        "ErrorRow",
        "WorkerMetrics",
        "decode_argument",
        "first_row",
        "heartbeating",
        "retryable_error",
        "safe_message",
        "shorten",
        "shorten_in",
        "wire_activity",
    }
    assert set(aws.__all__) == {
        "THROTTLE_RETRY_DELAY",
        "AwsCall",
        "aws_facts",
        "aws_rows",
        "map_aws_error",
        "safe_aws_message",
    }


def test_every_public_name_is_documented() -> None:
    for module in (workflow_activity_kit, aws):
        for name in module.__all__:
            value = getattr(module, name)
            if callable(value):
                assert value.__doc__, name
