"""The documentation is complete and its links hold, checked without mkdocs (fast, default tier).

* every public name of ``softjax`` / ``softtorch`` (``__all__``) and of their ``random`` modules
  has a mkdocstrings ``::: package.name`` entry in the API pages (``docs/api/``), and no entry
  there names something that is not public;
* every relative link (and image) in ``docs/**/*.md`` and ``README.md`` points to an existing
  file, and every ``#anchor`` to a heading of the target page;
* every page under ``docs/`` is in the ``nav`` of ``mkdocs.yml``, and every ``nav`` entry exists.

``nox -s docs`` runs ``mkdocs build --strict`` on top of this (rendering, API objects resolving).
The public names are read from the sources (``__all__`` lists), so the test needs neither
framework; where both packages import, the reading is compared with the runtime ``__all__``.
"""

from __future__ import annotations

import ast
import importlib.util
import re
import unicodedata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
API = DOCS / "api"
FRAMEWORKS = ("softjax", "softtorch")
TYPE_ALIASES = ("SoftBool", "SoftIndex")  # documented in prose (type aliases of typing.Any)


# ------------------------------------------------------------------------------------------------
# public names, read from the sources
# ------------------------------------------------------------------------------------------------
def _module_path(package: str, module: str | None = None) -> Path:
    src = ROOT / "packages" / package / "src" / package
    return src / "__init__.py" if module is None else src / f"{module}.py"


def _static_all(package: str, module: str | None = None) -> list[str]:
    """``__all__`` of a module: string literals, plus ``*submodule.__all__`` entries followed."""
    tree = ast.parse(_module_path(package, module).read_text())
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
        if any(isinstance(t, ast.Name) and t.id == "__all__" for t in targets) and node.value is not None:
            names: list[str] = []
            for elt in node.value.elts:  # type: ignore[attr-defined]
                if isinstance(elt, ast.Constant):
                    names.append(elt.value)
                elif isinstance(elt, ast.Starred) and isinstance(elt.value, ast.Attribute):
                    names += _static_all(package, elt.value.value.id)  # type: ignore[attr-defined]
                else:
                    raise AssertionError(f"unexpected __all__ entry in {package}.{module}: {ast.dump(elt)}")
            return names
    raise AssertionError(f"{package}.{module or '__init__'} has no __all__")


def public_names(package: str) -> set[str]:
    """Dotted names that the API pages must document, relative to the package."""
    names = set(_static_all(package))
    return names | {f"random.{n}" for n in _static_all(package, "random")}


@pytest.mark.parametrize("package", FRAMEWORKS)
def test_static_reading_matches_runtime(package: str) -> None:
    if importlib.util.find_spec(package) is None:
        pytest.skip(f"{package} is not installed here; the static reading is checked where it is")
    module = importlib.import_module(package)
    assert sorted(_static_all(package)) == sorted(module.__all__)
    assert sorted(_static_all(package, "random")) == sorted(module.random.__all__)


# ------------------------------------------------------------------------------------------------
# (a) the API pages cover every public name
# ------------------------------------------------------------------------------------------------
_DIRECTIVE = re.compile(r"^::: *([\w.]+) *$", re.MULTILINE)


def _api_pages(package: str) -> list[Path]:
    return sorted(API.glob(f"{package}*.md"))


@pytest.mark.parametrize("package", FRAMEWORKS)
def test_api_pages_document_every_public_name(package: str) -> None:
    pages = _api_pages(package)
    assert pages, f"no API pages docs/api/{package}*.md"
    text = "\n".join(p.read_text() for p in pages)
    documented = {d.removeprefix(package + ".") for d in _DIRECTIVE.findall(text) if d.startswith(package + ".")}
    public = public_names(package)
    missing = sorted(public - documented - set(TYPE_ALIASES))
    assert not missing, f"public names of {package} without a `::: {package}.<name>` entry in docs/api/: {missing}"
    for alias in TYPE_ALIASES:
        assert f"`{package}.{alias}`" in text, f"{package}.{alias} is not described in docs/api/{package}.md"
    unknown = sorted(documented - public)
    assert not unknown, f"docs/api/ documents names that {package} does not export: {unknown}"


def test_api_pages_name_only_known_packages() -> None:
    for page in sorted(API.glob("*.md")):
        for target in _DIRECTIVE.findall(page.read_text()):
            assert target.split(".")[0] in (*FRAMEWORKS, "softcore"), f"{page.name}: ::: {target}"
            if target.startswith("softcore."):  # the core's module docstrings (the maths) only
                module = target.removeprefix("softcore.").replace(".", "/")
                core = ROOT / "packages/softcore/src/softcore"
                assert (core / f"{module}.py").exists() or (core / module / "__init__.py").exists(), target


# ------------------------------------------------------------------------------------------------
# (b) relative links and anchors
# ------------------------------------------------------------------------------------------------
_FENCE = re.compile(r"^(```|~~~).*?^\1", re.MULTILINE | re.DOTALL)
_INLINE_CODE = re.compile(r"`[^`\n]*`")
_LINK = re.compile(r"!?\[[^\]\n]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_HEADING = re.compile(r"^#{1,6}\s+(.*?)\s*#*\s*$", re.MULTILINE)


def _slug(heading: str) -> str:
    """Python-Markdown's ``toc`` slug (what mkdocs uses for heading ids)."""
    text = re.sub(r"<[^>]+>", "", heading).replace("`", "")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"[^\w\s-]", "", text).strip().lower()
    return re.sub(r"[-\s]+", "-", text)


def _anchors(path: Path) -> set[str]:
    text = _FENCE.sub("", path.read_text())
    slugs = {_slug(h) for h in _HEADING.findall(text)}
    slugs |= set(re.findall(r"\{\s*#([\w-]+)", text))  # attr_list ids: {#id}
    return slugs


def _links(path: Path) -> list[str]:
    text = _INLINE_CODE.sub("", _FENCE.sub("", path.read_text()))
    return _LINK.findall(text)


MARKDOWN_FILES = sorted(DOCS.rglob("*.md")) + [ROOT / "README.md"]


@pytest.mark.parametrize("page", MARKDOWN_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_resolve(page: Path) -> None:
    broken = []
    for link in _links(page):
        if re.match(r"^[a-z][a-z0-9+.-]*:", link):  # http:, https:, mailto:, ...
            continue
        target, _, anchor = link.partition("#")
        path = (page.parent / target).resolve() if target else page
        if not path.exists():
            broken.append(f"{link} (no file {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path})")
        elif anchor and path.suffix == ".md" and anchor not in _anchors(path):
            broken.append(f"{link} (no heading #{anchor} in {path.name})")
    assert not broken, f"{page.relative_to(ROOT)}: broken links: {broken}"


def test_link_checker_sees_links() -> None:
    """Guard against a regex that silently matches nothing."""
    assert "getting-started.md" in _links(DOCS / "index.md")
    assert _slug("The `VJPRule` and *friends*, too!") == "the-vjprule-and-friends-too"


# ------------------------------------------------------------------------------------------------
# (c) every page is in the nav
# ------------------------------------------------------------------------------------------------
def _nav_entries() -> list[str]:
    config = (ROOT / "mkdocs.yml").read_text()
    nav = config[config.index("\nnav:") :]
    return re.findall(r"^\s*-\s*(?:[^:\n]+:\s*)?([\w./-]+\.md)\s*$", nav, re.MULTILINE)


def test_every_page_is_in_the_nav() -> None:
    entries = _nav_entries()
    assert "index.md" in entries
    pages = {p.relative_to(DOCS).as_posix() for p in DOCS.rglob("*.md") if "scripts" not in p.relative_to(DOCS).parts}
    assert sorted(pages - set(entries)) == [], "pages missing from the nav of mkdocs.yml"
    assert sorted(set(entries) - pages) == [], "nav entries without a page"
    assert len(entries) == len(set(entries)), "a page is listed twice in the nav"
