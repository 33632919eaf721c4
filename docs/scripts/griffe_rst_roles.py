"""Griffe extension for ``mkdocs build``: render the reStructuredText bits of our docstrings as Markdown.

The docstrings (written once in softcore and copied onto the wrappers) use Sphinx roles such as
``:func:`sigmoidal``` and ``:math:`\\sigma(x)```, ``Example::`` before literal blocks, simple
``=====`` tables and ``.. math::`` directives. Markdown knows none of these, so this extension
turns each role into an inline code span, a trailing ``::`` into ``:``, and tables and math
directives into fenced text blocks. It also gives the straight-through wrappers (``abs_st``, ...)
their own docstrings: griffe unwraps ``functools.wraps`` wrappers and would otherwise show the
docstring of the wrapped op. It only changes what griffe hands to mkdocstrings; the packages are
not touched. mkdocs.yml loads it by path (the mkdocstrings ``extensions`` option).
"""

from __future__ import annotations

import importlib
import inspect
import re
from typing import Any

import griffe

_ROLE = re.compile(r":(?:math|func|mod|class|data|meth|attr|obj|exc|ref):`~?([^`]+)`")
_LITERAL_BLOCK = re.compile(r"::[ \t]*$", re.MULTILINE)
_TABLE_BORDER = re.compile(r"^\s*=+(\s+=+)+\s*$")


def _fence_tables_and_math(text: str) -> str:
    lines = text.splitlines()
    out: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if _TABLE_BORDER.match(line):  # a simple table ends at a border followed by a blank line
            j = i + 1
            while j < len(lines) and not (
                _TABLE_BORDER.match(lines[j]) and (j + 1 == len(lines) or not lines[j + 1].strip())
            ):
                j += 1
            out += ["```text", *lines[i : j + 1], "```"]
            i = j + 1
        elif line.lstrip().startswith(".. math::"):
            body = [line.split("::", 1)[1].strip()] if line.split("::", 1)[1].strip() else []
            j = i + 1
            while j < len(lines) and (not lines[j].strip() or lines[j].startswith((" ", "\t"))):
                if lines[j].strip():
                    body.append(lines[j].strip())
                j += 1
            out += ["```text", *body, "```", ""]
            i = j
        else:
            out.append(line)
            i += 1
    return "\n".join(out)


def rst_to_markdown(text: str) -> str:
    """Roles -> inline code, trailing ``::`` -> ``:``, simple tables and ``.. math::`` -> fenced text.

    Fenced blocks are kept verbatim (rewriting roles there would break the table columns).
    """
    parts = re.split(r"(^```text\n.*?^```$)", _fence_tables_and_math(text), flags=re.MULTILINE | re.DOTALL)
    for k in range(0, len(parts), 2):  # even parts lie outside the fences
        parts[k] = _LITERAL_BLOCK.sub(":", _ROLE.sub(lambda m: "`" + m.group(1) + "`", parts[k]))
    return "".join(parts)


def _own_docstring_function(name: str, runtime: Any, target: griffe.Function, parent: griffe.Module) -> griffe.Function:
    parameters = griffe.Parameters(
        *(griffe.Parameter(p.name, annotation=p.annotation, kind=p.kind, default=p.default) for p in target.parameters)
    )
    func = griffe.Function(name, parameters=parameters, returns=target.returns, parent=parent)
    func.docstring = griffe.Docstring(rst_to_markdown(inspect.cleandoc(runtime.__doc__)), parent=func)
    return func


class RstRoles(griffe.Extension):
    def on_instance(self, *, obj: Any, **kwargs: Any) -> None:
        if getattr(obj, "docstring", None) is not None:
            obj.docstring.value = rst_to_markdown(obj.docstring.value)

    def on_package(self, *, pkg: griffe.Module, **kwargs: Any) -> None:
        """Replace aliases to a wrapped function by a function with the wrapper's own docstring."""
        modules = [pkg]
        while modules:
            module = modules.pop()
            modules += list(module.modules.values())
            try:
                runtime_module = importlib.import_module(module.path)
            except ImportError:
                continue
            for name, member in list(module.members.items()):
                runtime = getattr(runtime_module, name, None)
                if not member.is_alias or not callable(runtime) or not hasattr(runtime, "__wrapped__"):
                    continue
                if not runtime.__doc__ or runtime.__doc__ == inspect.unwrap(runtime).__doc__:
                    continue
                try:
                    target = member.final_target
                except griffe.AliasResolutionError:
                    continue
                if isinstance(target, griffe.Function):
                    module.set_member(name, _own_docstring_function(name, runtime, target, module))

    on_package_loaded = on_package  # older griffe releases call the same hook by this name
