"""`apiops validate`: which files to check, and the verdict cache.

A document's verdict depends on its bytes, the files its `$ref`s read, its folder and
the code that validates it; it is cached under the git directory with the hashes of
those files, so an unchanged document is never validated twice, and a run whose
documents are all cached imports neither openapi-spec-validator nor jsonschema (nor
apiops.loading: see `repo` for customer.yaml and apiops.yaml).
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from apiops.cache import Cache, key, source_hash
from apiops.errors import ApiopsError, Problem, Problems
from apiops.validation.findings import SPEC_ONLY_RULES
from apiops.yamlio import DEFAULT_MAX_BYTES

# apiops.loading's names, repeated: importing it costs more than a cached run may take.
SETTINGS_FILE = "apiops.yaml"
CUSTOMER_FILE = "customer.yaml"
DOCUMENT_NAMES = ("openapi.yaml", "openapi.yml", "openapi.json")
# The code a document's verdict depends on (relative to the apiops package).
_DOCUMENT_CODE = ("validation", "yamlio.py", "openapi.py", "errors.py", "loading.py", "model.py")

Compute = Callable[[], tuple[list[Problem], Iterable[str]]]


@dataclass(frozen=True)
class Options:
    spec_only: bool = False
    max_bytes: int = DEFAULT_MAX_BYTES
    cache: bool = True


@dataclass
class Result:
    problems: list[Problem]
    files: list[str] = field(default_factory=list)
    cached: int = 0

    @property
    def ok(self) -> bool:
        return not any(p.severity == "error" for p in self.problems)


@dataclass
class Run:
    root: Path | None            # the monorepo, None outside one
    boundary: Path               # local $refs must stay inside it
    options: Options
    cache: Cache | None
    result: Result

    def cached(self, kind: str, parts: Sequence[str], compute: Compute) -> list[Problem]:
        """`compute()` -> (problems, files they depend on), or its stored result while those
        files keep their hashes."""
        entry = key(kind, *parts)
        if self.cache is not None:
            hit = self.cache.get("validate", entry)
            if hit is not None and all(self.cache.file_hash(Path(p)) == h for p, h in hit[1].items()):
                self.result.cached += 1
                return list(hit[0])
        problems, deps = compute()
        if self.cache is not None:
            hashes = {p: self.cache.file_hash(Path(p)) for p in deps}
            if all(hashes.values()):
                self.cache.put("validate", entry, (problems, hashes))
        return problems

    def shown(self, path: Path) -> str:
        """Paths inside the monorepo from its root (as pre-commit and CI show them)."""
        if self.root is not None and path.is_relative_to(self.root):
            return path.relative_to(self.root).as_posix()
        try:
            return path.relative_to(Path.cwd()).as_posix()
        except ValueError:
            return str(path)


def validate(files: Sequence[str], everything: bool = False, options: Options = Options(),
             directory: Path | None = None) -> Result:
    from apiops.validation import repo

    cwd = (directory or Path.cwd()).resolve()
    root = _root(cwd)
    run = Run(root, root or cwd, options, Cache(root, options.cache) if root else None, Result([]))
    docs, customers, settings = _classify(run, [cwd / f for f in files], everything)
    problems = Problems()
    for path in docs:
        problems.extend(_document(run, path))
    if root is not None and (customers or settings or (docs and not options.spec_only)):
        problems.extend(repo.check(run, docs, customers, settings))
    if run.cache is not None:
        run.cache.save()
    run.result.problems = problems.sorted()
    return run.result


def _root(cwd: Path) -> Path | None:
    """hooks.common.repo_root (the nearest folder with apiops.yaml, else the git work tree),
    found on disk: asking git through GitPython costs a cached run 100 ms."""
    for folder in (cwd, *cwd.parents):
        if (folder / SETTINGS_FILE).is_file() or (folder / ".git").exists():
            return folder
    return None


def _classify(run: Run, paths: list[Path], everything: bool) -> tuple[list[Path], list[Path], bool]:
    """Documents, customer.yaml files, and whether apiops.yaml is among the files."""
    from apiops.validation import repo

    if everything:
        if run.root is None:
            raise ApiopsError("--all needs a monorepo (a folder with apiops.yaml, or a git work tree)")
        services, customers = repo.folders(run)
        paths += sorted(p for n in DOCUMENT_NAMES for p in (run.root / services).glob(f"*/*/{n}"))
        paths += sorted((run.root / customers).glob(f"*/{CUSTOMER_FILE}"))
    docs: list[Path] = []
    customer_files: list[Path] = []
    settings = everything
    for path in dict.fromkeys(p.resolve() for p in paths):
        run.result.files.append(run.shown(path))
        if path.name == CUSTOMER_FILE and run.root is not None:
            customer_files.append(path)
        elif path.name == SETTINGS_FILE and path.parent == run.root:
            settings = True
        else:
            docs.append(path)
    return docs, customer_files, settings


def _document(run: Run, path: Path) -> list[Problem]:
    from apiops.validation import repo

    shown = run.shown(path)
    folder = repo.service_folder(run, path)
    boundary = run.boundary if path.is_relative_to(run.boundary) else path.parent
    mode = "spec-only" if run.options.spec_only else "full"

    def compute() -> tuple[list[Problem], Iterable[str]]:
        from apiops.validation import document

        checked = document.check(path, shown, boundary, folder, run.options.spec_only,
                                 run.options.max_bytes)
        if folder and checked.version is not None and run.cache is not None and run.root:
            from apiops.loading import remember_document

            remember_document(run.cache, run.root, path, checked.version, checked.extracted)
        return checked.problems, [str(path), *checked.deps]

    digest = run.cache.file_hash(path) if run.cache is not None else None
    if digest is None or path.stat().st_size > run.options.max_bytes:
        problems = compute()[0]
    else:
        problems = run.cached("document", [document_fingerprint(), mode, shown, str(folder),
                                           str(boundary), digest], compute)
    return [p for p in problems if not run.options.spec_only or p.rule in SPEC_ONLY_RULES]


@cache
def document_fingerprint() -> str:
    """The code behind a document's verdict: the validation sources and the version of
    openapi-spec-validator, so that a change to a generator keeps the verdicts."""
    return key(source_hash(*_DOCUMENT_CODE), _validator_version())


def _validator_version() -> str:
    """openapi-spec-validator's version from its dist-info folder's name: importlib.metadata
    costs a cached run a tenth of its time."""
    from importlib.util import find_spec

    spec = find_spec("openapi_spec_validator")
    if spec is not None and spec.origin:
        site = Path(spec.origin).parent.parent
        for info in site.glob("openapi_spec_validator-*.dist-info"):
            return info.name.removesuffix(".dist-info").partition("-")[2]
    from importlib.metadata import version

    return version("openapi-spec-validator")
