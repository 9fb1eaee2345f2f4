"""moto's server, with one correction to its IAM enforcement: CloudWatch's actions carry AWS's prefix.

moto names an action after the request's SigV4 signing name (moto/iam/access_control.py,
IAMRequestBase.__init__: `f"{self._service}:{action}"`), which for CloudWatch is `monitoring`; IAM
calls them `cloudwatch:PutMetricData` (AWS Service Authorization Reference, "Amazon CloudWatch":
service prefix `cloudwatch`). Without this, no policy AWS would accept could allow a metric here.
Run as `python -m tests.moto_iam_server -H 127.0.0.1 -p PORT`.
"""

from __future__ import annotations

import sys
from typing import Any

from moto.iam import access_control
from moto.server import main

IAM_PREFIXES = {"monitoring": "cloudwatch"}

_init = access_control.IAMRequestBase.__init__


def _init_with_iam_prefix(self: Any, *args: Any, **kwargs: Any) -> None:
    _init(self, *args, **kwargs)
    service, _, action = self._action.partition(":")
    self._action = f"{IAM_PREFIXES.get(service, service)}:{action}"


access_control.IAMRequestBase.__init__ = _init_with_iam_prefix  # type: ignore[method-assign]

if __name__ == "__main__":
    main(sys.argv[1:])
