"""The front-end files the app serves, copied from npm packages into the Python package
(web/static/vendor/) so that a fresh machine needs no Node.js. npm is needed only to upgrade them
(`jobplan assets --build`) and for the test-only axe-core (`jobplan assets --dev`).

The build writes web/static/vendor/MANIFEST.json: for every shipped file, the package and version it
came from (as web/frontend/package-lock.json locks them) and its SHA-256. `check()` proves the shipped
files are the ones the lockfile names: npm's `integrity` hashes cover the tarballs, not the files inside,
so the manifest carries the link, and when node_modules is installed the files are compared byte for
byte as well."""
from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

WEB = Path(__file__).resolve().parent
FRONTEND = WEB / "frontend"
LOCKFILE = FRONTEND / "package-lock.json"
MODULES = FRONTEND / "node_modules"
SHIPPED = WEB / "static" / "vendor"
MANIFEST = SHIPPED / "MANIFEST.json"


@dataclass(frozen=True)
class Source:
    """Files of one npm package that the pages load: a file or folder inside the package → where it is
    shipped under web/static/vendor/."""
    package: str
    inside: str
    shipped: str


SOURCES = (
    Source("nhsuk-frontend", "dist/nhsuk/nhsuk-frontend.min.css", "nhsuk-frontend/nhsuk-frontend.min.css"),
    Source("nhsuk-frontend", "dist/nhsuk/nhsuk-frontend.min.js", "nhsuk-frontend/nhsuk-frontend.min.js"),
    # the favicon, touch icons, web manifest and the icons the stylesheet draws (url(/assets/images/…))
    Source("nhsuk-frontend", "dist/nhsuk/assets", "nhsuk-frontend/assets"),
    Source("mermaid", "dist/mermaid.min.js", "mermaid/mermaid.min.js"),
)


def locked_versions(lockfile: Path | None = None, dev: bool = True) -> dict[str, str]:
    """Package path in node_modules → version, as the lockfile pins them (dev packages only if asked)."""
    packages = json.loads((lockfile or LOCKFILE).read_text())["packages"]
    return {key: spec["version"] for key, spec in packages.items()
            if key and "version" in spec and (dev or not spec.get("dev"))}


def installed_version(package: str) -> str | None:
    manifest = MODULES / package / "package.json"
    return json.loads(manifest.read_text()).get("version") if manifest.is_file() else None


def node_modules_current(dev: bool) -> bool:
    """True when node_modules holds every package at the version the lockfile pins, read from npm's
    own record of what it installed (node_modules/.package-lock.json), so `npm ci` can be skipped."""
    record = MODULES / ".package-lock.json"
    if not record.is_file():
        return False
    have = locked_versions(record)
    return all(have.get(key) == version for key, version in locked_versions(dev=dev).items())


def npm_ci(dev: bool) -> bool:
    """`npm ci` from the lockfile unless node_modules already matches it; True when npm ran."""
    if node_modules_current(dev):
        return False
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("npm is needed to " + ("install axe-core for the browser tests" if dev else
                           "rebuild the shipped front-end files") + ": install Node.js and npm, then run this again")
    cmd = [npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund"] + ([] if dev else ["--omit=dev"])
    subprocess.run(cmd, cwd=FRONTEND, check=True)
    return True


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _files(source: Source) -> list[tuple[str, str]]:
    """(path inside the installed package, path under vendor/) for one source, folders expanded in a
    stable order."""
    base = MODULES / source.package / source.inside
    if base.is_dir():
        return [(f"{source.inside}/{f.relative_to(base).as_posix()}", f"{source.shipped}/{f.relative_to(base).as_posix()}")
                for f in sorted(base.rglob("*")) if f.is_file()]
    return [(source.inside, source.shipped)]


def build() -> dict:
    """Copy the served files out of node_modules (installed from the lockfile) and write the manifest."""
    npm_ci(dev=False)
    locked = locked_versions(dev=False)
    if SHIPPED.exists():
        shutil.rmtree(SHIPPED)
    entries = []
    for source in SOURCES:
        version = locked[f"node_modules/{source.package}"]
        if installed_version(source.package) != version:
            raise RuntimeError(f"node_modules/{source.package} is not version {version}: run `npm ci` in web/frontend")
        for inside, shipped in _files(source):
            dest = SHIPPED / shipped
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(MODULES / source.package / inside, dest)
            entries.append({"path": shipped, "package": source.package, "version": version, "from": inside,
                            "sha256": _sha256(dest)})
    manifest = {"built_from": "web/frontend/package-lock.json by `jobplan assets --build`", "files": entries}
    MANIFEST.write_text(json.dumps(manifest, indent=1) + "\n")
    return manifest


def check() -> list[str]:
    """Every way the shipped files differ from the lockfile, one sentence each; empty when they match."""
    if not MANIFEST.is_file():
        return [f"{MANIFEST.relative_to(WEB.parent)} is missing: run `jobplan assets --build`"]
    problems = []
    manifest = json.loads(MANIFEST.read_text())
    locked = locked_versions(dev=False)
    listed = set()
    for entry in manifest["files"]:
        path, package, version = entry["path"], entry["package"], entry["version"]
        listed.add(path)
        want = locked.get(f"node_modules/{package}")
        if version != want:
            problems.append(f"{path} comes from {package} {version}, the lockfile has {want}: "
                            "run `jobplan assets --build`")
        shipped = SHIPPED / path
        if not shipped.is_file():
            problems.append(f"{path} is listed in the manifest but not shipped")
            continue
        if _sha256(shipped) != entry["sha256"]:
            problems.append(f"{path} differs from the file the build recorded (SHA-256)")
        original = MODULES / package / entry["from"]
        if installed_version(package) == want and original.is_file() and original.read_bytes() != shipped.read_bytes():
            problems.append(f"{path} differs from node_modules/{package}/{entry['from']}")
    for source in SOURCES:  # nothing the build would ship is missing from the manifest
        if installed_version(source.package) == locked.get(f"node_modules/{source.package}"):
            problems += [f"{shipped} is in {source.package} but not shipped: run `jobplan assets --build`"
                         for _, shipped in _files(source) if shipped not in listed]
    extra = {f.relative_to(SHIPPED).as_posix() for f in SHIPPED.rglob("*") if f.is_file()} - listed - {"MANIFEST.json"}
    problems += [f"{path} is shipped but not in the manifest" for path in sorted(extra)]
    return problems
