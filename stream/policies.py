"""Where policies come from: a bundled file by name, or any file by path."""
from __future__ import annotations

from importlib import resources
from pathlib import Path

from detectors.policy import Policy, PolicyError, policy_from_text

DEFAULT_POLICY = "seed-v1"


def bundled_names() -> list[str]:
    folder = resources.files("detectors").joinpath("policies")
    return sorted(p.name.removesuffix(".yaml") for p in folder.iterdir() if p.name.endswith(".yaml"))


def load_policy(name_or_path: str | None = None) -> Policy:
    name_or_path = name_or_path or DEFAULT_POLICY
    path = Path(name_or_path)
    if path.suffix in (".yaml", ".yml") or path.exists():
        try:
            text = path.read_text("utf-8")
        except OSError as exc:
            raise PolicyError(f"cannot read policy file {name_or_path}: {exc.strerror}") from None
        except UnicodeDecodeError as exc:
            raise PolicyError(f"policy file {name_or_path}: not UTF-8 (byte {exc.start})") from None
        return policy_from_text(text, f"policy file {name_or_path}")
    return policy_from_text(bundled_text(name_or_path), f"policy {name_or_path}")


def bundled_text(name: str) -> str:
    if name not in bundled_names():
        raise PolicyError(f"no policy named {name!r} (bundled: {', '.join(bundled_names())})")
    return resources.files("detectors").joinpath(f"policies/{name}.yaml").read_text("utf-8")
