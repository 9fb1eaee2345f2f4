"""Importing the provider SDKs, once, apart from the program.

pulumi-aws warns at import time about the deprecated `…V2` modules it still ships. Those warnings
are the SDK's, not ours: importing first, with them silenced, leaves any later DeprecationWarning
to mean that our program used something deprecated.
"""

from __future__ import annotations

import time
import warnings


def import_provider_sdks() -> float:
    """Import every provider module the program uses; returns the seconds it took."""
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import pulumi_aws
        import pulumi_flyio
        import pulumi_random
        import pulumiverse_vercel

        # The SDKs load their modules lazily: touching a class runs the module's code.
        for module, name in (
            (pulumi_aws.s3, "Bucket"),
            (pulumi_aws.kms, "Key"),
            (pulumi_aws.iam, "Role"),
            (pulumi_aws, "get_caller_identity_output"),
            (pulumiverse_vercel, "Project"),
            (pulumi_flyio, "Machine"),
            (pulumi_flyio.flyio, "FlyMachineConfigArgs"),
            (pulumi_random, "RandomBytes"),
        ):
            getattr(module, name)
    return time.perf_counter() - start
