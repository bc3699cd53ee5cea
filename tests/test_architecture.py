"""Import rules import-linter cannot express (ARCHITECTURE.md §3 rule 2).

- A module uses no other module's private (``_name``) names: a helper two modules share is
  public in the module that owns it.
- No module defines a module-level ``__getattr__``: a name is found where it is defined, so
  readers, linters and import-linter all see the real dependency.

Tests are exempt (they may poke at internals). Known cases that someone is removing are listed
below with an xfail test each; delete an entry when its case is gone (the test then XPASSes).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "grassroots"

# Known cases someone is removing (none now: messaging's were removed in issue 12 §5).
KNOWN_PRIVATE_USES: list[str] = []
KNOWN_MODULE_GETATTR: list[str] = []


def read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def sources() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "tests" not in p.relative_to(ROOT).parts)


def where(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def package_of(path: Path) -> str:
    """The package a relative import in ``path`` starts from."""
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1])


def is_module(dotted: str) -> bool:
    path = ROOT.joinpath(*dotted.split("."))
    return path.with_suffix(".py").exists() or (path / "__init__.py").exists()


def is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def imported_from(node: ast.ImportFrom, package: str) -> str:
    if not node.level:
        return node.module or ""
    parts = package.split(".")
    parts = parts[: len(parts) - node.level + 1]
    return ".".join(parts + ([node.module] if node.module else []))


def private_uses(source: str, *, where: str, package: str) -> list[str]:
    """``from grassroots.x import _name`` and ``module._name`` on an imported grassroots module."""
    tree = ast.parse(source, where)
    found, modules = [], {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            origin = imported_from(node, package)
            if origin.split(".")[0] != "grassroots":
                continue
            for alias in node.names:
                if is_private(alias.name):
                    found.append(f"{where}: {origin}.{alias.name}")
                elif is_module(f"{origin}.{alias.name}"):
                    modules[alias.asname or alias.name] = f"{origin}.{alias.name}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "grassroots" and alias.asname:
                    modules[alias.asname] = alias.name
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Attribute) and is_private(node.attr)):
            continue
        chain, value = [], node.value
        while isinstance(value, ast.Attribute):
            chain.insert(0, value.attr)
            value = value.value
        if not isinstance(value, ast.Name):
            continue
        if value.id in modules:
            target = ".".join([modules[value.id], *chain])
        elif value.id == "grassroots":
            target = ".".join(["grassroots", *chain])
        else:
            continue
        if is_module(target):
            found.append(f"{where}: {target}.{node.attr}")
    return found


def module_level_getattr(source: str) -> bool:
    body = list(ast.parse(source).body)
    while body:
        node = body.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == "__getattr__":
            return True
        if isinstance(node, ast.If | ast.Try):  # conditional definitions are still module-level
            body += [*node.body, *node.orelse, *getattr(node, "finalbody", [])]
            body += [s for handler in getattr(node, "handlers", []) for s in handler.body]
    return False


def all_private_uses() -> list[str]:
    return [
        use
        for path in sources()
        for use in private_uses(read(path), where=where(path), package=package_of(path))
    ]


def test_no_module_uses_another_modules_private_names():
    offenders = [use for use in all_private_uses() if use not in KNOWN_PRIVATE_USES]
    assert not offenders, (
        "Private names used outside their module; make the shared helper public in the module "
        "that owns it:\n" + "\n".join(offenders)
    )


def test_no_module_level_getattr():
    offenders = [
        where(path)
        for path in sources()
        if module_level_getattr(read(path)) and where(path) not in KNOWN_MODULE_GETATTR
    ]
    assert not offenders, "Module-level __getattr__ hides where names live: " + ", ".join(offenders)


def test_the_checks_see_what_they_look_for():
    sample = """
import grassroots.people.services as people
from grassroots.core import access
from grassroots.people.services import _hidden
from .services import _relative, PERSON_FIELDS
people._private()
access.SYSTEM, access._internal, grassroots.core.access._dotted
if True:
    def __getattr__(name):
        raise AttributeError(name)
"""
    assert private_uses(sample, where="x.py", package="grassroots.people") == [
        "x.py: grassroots.people.services._hidden",
        "x.py: grassroots.people.services._relative",
        "x.py: grassroots.people.services._private",
        "x.py: grassroots.core.access._internal",
        "x.py: grassroots.core.access._dotted",
    ]
    assert module_level_getattr(sample)
    assert not module_level_getattr("class A:\n    def __getattr__(self, name): ...\n")


@pytest.mark.xfail(strict=False, reason="messaging is being restructured (issue 12)")
@pytest.mark.parametrize("use", KNOWN_PRIVATE_USES)
def test_known_private_use_is_gone(use):
    assert use not in all_private_uses()


@pytest.mark.xfail(strict=False, reason="the messaging services facade is being removed")
@pytest.mark.parametrize("path", KNOWN_MODULE_GETATTR)
def test_known_module_getattr_is_gone(path):
    assert not module_level_getattr(read(ROOT / path))
