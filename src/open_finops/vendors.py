"""The first-party vendors core knows by name, so it can say what to install instead of failing.

Core never imports a plugin; this table is the only place it names them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class KnownVendor:
    name: str
    distribution: str | None
    extra: str | None
    available: bool

    def hint(self) -> str:
        if not self.available:
            return (
                f"The '{self.name}' commands are planned for a future open-finops release "
                "and are not available yet."
            )
        return (
            f"The '{self.name}' commands come from the {self.distribution} plugin, which is not installed. "
            f"Install it with: pip install 'open-finops[{self.extra}]'"
        )


KNOWN_VENDORS: dict[str, KnownVendor] = {
    v.name: v
    for v in (
        KnownVendor("aws", "open-finops-aws", "aws", available=True),
        KnownVendor("docker", "open-finops-docker", "docker", available=True),
        KnownVendor("azure", "open-finops-azure", "azure", available=True),
        KnownVendor("report", "open-finops-report", "report", available=True),
        KnownVendor("gcp", None, None, available=False),
    )
}
