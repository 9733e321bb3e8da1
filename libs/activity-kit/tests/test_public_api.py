import subprocess
import sys

import workflow_activity_kit
from workflow_activity_kit import aws


def test_the_kit_exports_exactly_its_public_names() -> None:
    assert set(workflow_activity_kit.__all__) == {
        "ActivityPackage",
        "PackageResource",
        "Probe",
        "WorkerScope",
        "configured_packages",
        "ErrorFacts",
        "ErrorRow",
        "WorkerMetrics",
        "decode_argument",
        "execution_id",
        "first_row",
        "heartbeating",
        "json_type",
        "retryable_error",
        "safe_message",
        "shorten",
        "shorten_in",
        "wire_activity",
    }
    assert set(aws.__all__) == {
        "AWS_CLIENT_CONFIG",
        "THROTTLE_RETRY_DELAY",
        "AwsCall",
        "aws_facts",
        "aws_rows",
        "map_aws_error",
        "open_aws_client",
        "safe_aws_message",
    }


def test_every_public_name_is_documented() -> None:
    for module in (workflow_activity_kit, aws):
        for name in module.__all__:
            value = getattr(module, name)
            if callable(value):
                assert value.__doc__, name


def test_the_kit_needs_botocore_only_for_its_aws_rows() -> None:
    # file-status uses the engine without aioboto3, botocore or aiohttp installed.
    code = (
        "import sys, workflow_activity_kit\n"
        "print(','.join(m for m in ('aioboto3', 'botocore', 'aiohttp') if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""
