"""Lock files name what is installed, never where from: no registry address, no URL, no host name
(issue 2). `.npmrc` keeps npm from writing `resolved` addresses into package-lock.json."""
from __future__ import annotations

import json
import os
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
#: File names package managers write their locks to; any of them in the repository is checked.
LOCK_NAMES = re.compile(
    r"(package-lock\.json|npm-shrinkwrap\.json|yarn\.lock|pnpm-lock\.yaml|bun\.lockb?|uv\.lock|poetry\.lock|"
    r"Pipfile\.lock|pdm\.lock|requirements[\w.-]*\.(txt|lock)|.*\.lock)$"
)
SKIPPED = {".git", ".venv", "node_modules", "__pycache__", ".pytest_cache", "data"}
#: What a package entry of package-lock.json may say: no `resolved`, no `funding` address.
PACKAGE_FIELDS = {"name", "version", "integrity", "license", "dependencies", "devDependencies", "dev",
                  "optional", "peer", "peerDependencies", "engines", "bin", "hasInstallScript"}
ADDRESS = re.compile(r"://|\bresolved\b|\bregistry\b|\btarball\b", re.IGNORECASE)


def lock_files() -> list[Path]:
    found = []
    for folder, folders, files in os.walk(ROOT):
        folders[:] = [name for name in folders if name not in SKIPPED]
        found += [Path(folder) / name for name in files if LOCK_NAMES.fullmatch(name)]
    return sorted(found)


def test_the_lock_files_hold_no_registry_address_url_or_host() -> None:
    files = lock_files()
    assert ROOT / "package-lock.json" in files  # the check looks where the lock is
    for path in files:
        text = path.read_text(encoding="utf-8", errors="replace")
        assert not ADDRESS.search(text), f"{path.relative_to(ROOT)}: {ADDRESS.search(text)}"


def test_package_lock_entries_say_only_name_version_integrity_and_licence() -> None:
    lock = json.loads((ROOT / "package-lock.json").read_text(encoding="utf-8"))
    assert set(lock) <= {"name", "version", "lockfileVersion", "requires", "packages"}
    for path, entry in lock["packages"].items():
        assert set(entry) <= PACKAGE_FIELDS, (path, set(entry) - PACKAGE_FIELDS)
        assert re.fullmatch(r"sha512-[A-Za-z0-9+/=]+", entry.get("integrity", "sha512-x")), path  # a digest, no address


def test_the_npm_settings_keep_addresses_out_of_the_lock() -> None:
    settings = dict(line.split("=", 1) for line in (ROOT / ".npmrc").read_text().split() if "=" in line)
    assert settings.get("omit-lockfile-registry-resolved") == "true"
