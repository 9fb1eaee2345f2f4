"""Values the providers accept, kept as data so the typed config can refuse anything else.

Mocks and `pulumi preview` accept any string; the provider rejects it only at `pulumi up`.
"""

from __future__ import annotations

import re
from typing import Any

AWS_REGIONS = frozenset(
    [
        "us-east-1",
        "us-east-2",
        "us-west-1",
        "us-west-2",
        "ca-central-1",
        "ca-west-1",
        "sa-east-1",
        "mx-central-1",
        "eu-west-1",
        "eu-west-2",
        "eu-west-3",
        "eu-central-1",
        "eu-central-2",
        "eu-north-1",
        "eu-south-1",
        "eu-south-2",
        "ap-south-1",
        "ap-south-2",
        "ap-east-1",
        "ap-east-2",
        "ap-northeast-1",
        "ap-northeast-2",
        "ap-northeast-3",
        "ap-southeast-1",
        "ap-southeast-2",
        "ap-southeast-3",
        "ap-southeast-4",
        "ap-southeast-5",
        "ap-southeast-7",
        "me-south-1",
        "me-central-1",
        "il-central-1",
        "af-south-1",
    ]
)
# Fly.io's regions after its 2024-2025 consolidation; machines cannot be placed elsewhere.
FLY_REGIONS = frozenset(
    [
        "ams",
        "arn",
        "bom",
        "cdg",
        "dfw",
        "ewr",
        "fra",
        "gru",
        "iad",
        "jnb",
        "lax",
        "lhr",
        "nrt",
        "ord",
        "sin",
        "sjc",
        "syd",
        "yyz",
    ]
)
VERCEL_FUNCTION_REGIONS = frozenset(
    [
        "arn1",
        "bom1",
        "cdg1",
        "cle1",
        "cpt1",
        "dub1",
        "dxb1",
        "fra1",
        "gru1",
        "hkg1",
        "hnd1",
        "iad1",
        "icn1",
        "kix1",
        "lhr1",
        "pdx1",
        "sfo1",
        "sin1",
        "syd1",
    ]
)
VERCEL_FRAMEWORKS = frozenset(
    [
        "nextjs",
        "vite",
        "remix",
        "astro",
        "sveltekit",
        "sveltekit-1",
        "nuxtjs",
        "create-react-app",
        "gatsby",
        "angular",
        "vue",
        "ember",
        "svelte",
        "solidstart",
        "hono",
        "express",
        "fastapi",
        "flask",
    ]
)
# Fly guest limits per CPU (MB): shared 256..2048, performance 2048..8192, in 256 MB steps.
FLY_MEMORY_PER_CPU = {"shared": (256, 2048), "performance": (2048, 8192)}
FLY_CPUS = {"shared": (1, 2, 4, 8), "performance": (1, 2, 4, 8, 16)}

# Runbooks 000, 001, 002, 004: how each known secret is made and how often it rotates.
SECRET_CATALOGUE: dict[str, dict[str, Any]] = {
    "SECRET_KEY": {"kind": "generated", "encoding": "hex", "length": 32, "rotationDays": 90},
    "CRON_SECRET": {"kind": "generated", "encoding": "hex", "length": 16, "rotationDays": 90},
    "NEXTAUTH_SECRET": {"kind": "generated", "encoding": "base64", "length": 32, "rotationDays": 90},
    "ENCRYPTION_KEY": {"kind": "generated", "encoding": "base64", "length": 32, "rotationDays": 90},
    "KEYRING_TOKEN": {"kind": "generated", "encoding": "hex", "length": 32, "rotationDays": 180},
    "SUPABASE_SERVICE_ROLE_KEY": {"kind": "provided", "rotationDays": 90},
    "STRIPE_SECRET_KEY": {"kind": "provided", "rotationDays": 90},
    "RESEND_API_KEY": {"kind": "provided", "rotationDays": 90},
    "OPENAI_API_KEY": {"kind": "provided", "rotationDays": None},
    "ELEVENLABS_API_KEY": {"kind": "provided", "rotationDays": 90},
    "GOOGLE_AI_API_KEY": {"kind": "provided", "rotationDays": None},
    "GOOGLE_OAUTH_CLIENT_SECRET": {"kind": "provided", "rotationDays": None},
    # PostgreSQL logins (platform:postgres): URL-safe passwords, so they sit in a connection string as they are.
    "DATABASE_PASSWORD": {"kind": "generated", "encoding": "password", "length": 32, "rotationDays": 90},
    "DB_MIGRATOR_PASSWORD": {"kind": "generated", "encoding": "password", "length": 32, "rotationDays": 90},
    "DB_READONLY_PASSWORD": {"kind": "generated", "encoding": "password", "length": 32, "rotationDays": 90},
    "DB_BACKUP_PASSWORD": {"kind": "generated", "encoding": "password", "length": 32, "rotationDays": 90},
    "POSTGRES_ADMIN_PASSWORD": {"kind": "provided", "rotationDays": 90},
    # The integration URL PagerDuty gives for an SNS integration; alerting reads it, no app does.
    "PAGERDUTY_INTEGRATION_URL": {"kind": "provided", "rotationDays": None},
    # what the stack writes GitHub environment secrets with (platform:github.tokenSecret)
    "GITHUB_ADMIN_TOKEN": {"kind": "provided", "rotationDays": 90},
    # PagerDuty's REST API token, for platform:oncall (tokenSecret)
    "PAGERDUTY_API_TOKEN": {"kind": "provided", "rotationDays": 90},
    # platform:synthetics: the golden paths' test user in Supabase Auth, and the project's anon key
    # (public by design, in every browser; kept a secret here because its name says KEY)
    "CANARY_USER_PASSWORD": {"kind": "provided", "rotationDays": 90},
    "SUPABASE_ANON_KEY": {"kind": "provided", "rotationDays": None},
}

# An environment variable with such a name carries a secret, whatever the stack file says.
_SECRET_LIKE = re.compile(r"(^|_)(SECRET|KEY|TOKEN|PASSWORD|PASSWD|CREDENTIALS?)$|^DATABASE_URL$|_DATABASE_URL$")
# Sent to the browser by design (Next.js inlines them): never a secret, so never refused.
PUBLIC_PREFIX = "NEXT_PUBLIC_"


def looks_secret(name: str) -> bool:
    """Whether an environment variable name says it carries a secret (`STRIPE_SECRET_KEY`, `DATABASE_URL`)."""
    if name.startswith(PUBLIC_PREFIX):
        return False
    base = name.removesuffix("_PREVIOUS")
    return base in SECRET_CATALOGUE or bool(_SECRET_LIKE.search(base))
