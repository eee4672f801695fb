"""Resolved project -> {path: content}, formatted, with a manifest. Nothing is written here."""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import tempfile
import time
from pathlib import Path

import yaml
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from . import plugins, runtime
from .backends import TRACKER_HOWTO, TRACKER_NAMES, TRACKER_PACKAGES
from .ir import Project

MANIFEST = "distillgen-manifest.json"

# (template, output path) of the files every project renders; a kind may replace one
# (Kind.templates) and the backend adds its config (Backend.config_template).
PROJECT_FILES: tuple[tuple[str, str], ...] = (
    ("project/README.md.j2", "README.md"),
    ("project/Makefile.j2", "Makefile"),
    ("project/requirements.txt.j2", "requirements.txt"),
    ("project/pyproject.toml.j2", "pyproject.toml"),
    ("project/gitignore.j2", ".gitignore"),
    ("project/pipeline/__init__.py.j2", "pipeline/__init__.py"),
    ("project/pipeline/schema.py.j2", "pipeline/schema.py"),
    ("project/tests/__init__.py.j2", "tests/__init__.py"),
)


def rendered_files(project: Project) -> list[tuple[str, str]]:
    """(template, output path) of every file this project renders."""
    kind = plugins.kind(project.kind)
    backend = plugins.backend(project.training["backend"])
    files = [(kind.templates.get(out, template), out) for template, out in PROJECT_FILES]
    return [*files, (backend.config_template, backend.config_file)]


MLX_LM_VERSION = "0.32.2"


def templates_dir() -> Path:
    here = Path(__file__).resolve().parent
    source_tree = here.parent / "templates"
    if (source_tree / "project").is_dir():
        return source_tree
    return here / "templates"  # pragma: no cover - installed wheel layout


def py_literal(value) -> str:
    """A Python literal for plain data (str, int, float, bool, None, list, dict)."""
    if value is None or isinstance(value, bool | int | str):
        return repr(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError("non-finite float in generated code")
        return repr(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(py_literal(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{py_literal(k)}: {py_literal(v)}" for k, v in value.items()) + "}"
    raise TypeError(f"cannot emit {type(value).__name__} as a literal")


def _py_str(text: str) -> str:
    """A string literal quoted as ruff format writes it: double quotes unless the text has
    a double quote and no single one."""
    literal = repr(text)
    if literal.startswith("'") and '"' not in text:
        literal = '"' + literal[1:-1].replace("\\'", "'") + '"'
    return literal


def _flat(value) -> str:
    """py_literal with ruff's quotes (filled blocks are not reformatted by ruff)."""
    if isinstance(value, str):
        return _py_str(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_flat(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_flat(k)}: {_flat(v)}" for k, v in value.items()) + "}"
    return py_literal(value)


def _fill(value, col: int, width: int, tail: str) -> list[str]:
    """value as literal lines, the first starting at column col, filled like prose: items
    side by side while they fit in width, a nested list or dict that does not fit on a line
    of its own, with its items aligned after its bracket. Only the first line lacks its
    indent."""
    flat = _flat(value) + tail
    if col + len(flat) <= width or not isinstance(value, list | tuple | dict) or not value:
        return [flat]
    is_dict = isinstance(value, dict)
    opening, closing = ("{", "}") if is_dict else ("[", "]")
    items = list(value.items()) if is_dict else [(None, v) for v in value]
    inner = " " * (col + 1)
    lines = [" " * col + opening]
    fresh_after = False  # the last item spanned lines: the next one starts a line
    for i, (key, item) in enumerate(items):
        suffix = "," if i < len(items) - 1 else closing + tail
        head = f"{_flat(key)}: " if is_dict else ""
        piece = head + _flat(item) + suffix
        at_start = lines[-1].endswith(opening) and len(lines) == 1 or not lines[-1].strip()
        sep = "" if at_start else " "
        if not fresh_after and len(lines[-1]) + len(sep) + len(piece) <= width:
            lines[-1] += sep + piece
            fresh_after = False
            continue
        if not at_start:
            lines.append(inner)
        if len(lines[-1]) + len(piece) <= width or not isinstance(item, list | tuple | dict):
            lines[-1] += piece
            fresh_after = False
            continue
        nested = _fill(item, len(lines[-1]) + len(head), width, suffix)
        lines[-1] += head + nested[0]
        lines.extend(nested[1:])
        fresh_after = True
    lines[0] = lines[0][col:]
    return lines


def py_rows(rows: list, indent: int = 4, width: int = 100) -> str:
    """A list literal with one item per line at indent, each filled to width (for tables
    such as the label fields; the template puts it between # fmt: off and # fmt: on, so
    ruff format does not explode it to one value per line)."""
    pad = " " * indent
    body = "".join(pad + "\n".join(_fill(row, indent, width, ",")) + "\n" for row in rows)
    return "[\n" + body + " " * max(indent - 4, 0) + "]"


class _PlainDumper(yaml.SafeDumper):
    """safe_dump without anchors: a list used twice is written out twice, not as
    &id001 / *id001, which reads badly in review (and the spec loader itself refuses)."""

    def ignore_aliases(self, data) -> bool:
        return True


def yaml_block(value) -> str:
    return yaml.dump(
        value,
        Dumper=_PlainDumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=100,
    ).rstrip("\n")


def _comment_safe(text: str) -> str:
    """Text for a one-line comment: anything unusual is shown JSON-escaped."""
    if text.isprintable() and "\\" not in text and "-->" not in text:
        return text
    return json.dumps(text)


def md_cell(value) -> str:
    """Text safe inside a markdown table cell."""
    text = "" if value is None else str(value)
    return " ".join(text.split()).replace("\\", "\\\\").replace("|", "\\|")


def md_code(value) -> str:
    """Inline code whose fence is longer than any backtick run inside it."""
    text = " ".join(str(value).split())
    fence = "`" * (max((len(run) for run in re.findall(r"`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


# The keys a label field or an input has unless the spec says otherwise: schema.py
# writes only the others.
FIELD_DEFAULTS = {
    "group": None,
    "values": None,
    "description": None,
    "allow_na": False,
    "minimum": None,
    "maximum": None,
    "path": None,
}
INPUT_DEFAULTS = {"required": True, "max_chars": None, "path": None}


def compact(items: list[dict], defaults: dict) -> list[dict]:
    """Each dict without the keys whose value is the default."""
    return [
        {k: v for k, v in item.items() if k not in defaults or v != defaults[k]} for item in items
    ]


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(templates_dir())),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
    )
    env.filters["py"] = py_literal
    env.filters["py_rows"] = py_rows
    env.filters["yaml"] = yaml_block
    env.filters["json"] = lambda v: json.dumps(v, ensure_ascii=False)
    env.filters["md_cell"] = md_cell
    env.filters["md_code"] = md_code
    env.filters["compact"] = compact
    env.filters["capitalize_first"] = lambda text: text[:1].upper() + text[1:]
    return env


def render_project(project: Project, timings: dict[str, float] | None = None) -> dict[str, str]:
    """Every generated file's text by path. ``timings``, when given, receives each rendered
    template's seconds (by template path) and ruff's under "ruff format" (for bench/)."""
    env = _environment()
    spec_ref = _comment_safe(project.spec_ref)
    header_text = (
        f"Generated by {project.generator} from {spec_ref} (spec {project.name!r}). "
        "Do not edit: change the spec and run `distillgen build`."
    )
    header_hash = (
        f"# Generated by {project.generator} from {spec_ref} (spec {project.name!r}).\n"
        "# Do not edit: change the spec and run `distillgen build`."
    )
    copied = runtime_files(project)
    context = {
        "p": project,
        "header_text": header_text,
        "header_hash": header_hash,
        "header_py": header_hash,
        "mlx_lm_version": MLX_LM_VERSION,
        "field_defaults": FIELD_DEFAULTS,
        "input_defaults": INPUT_DEFAULTS,
        "kind": plugins.kind(project.kind),
        "backend": plugins.backend(project.training["backend"]),
        "has_merge": "pipeline/merge.py" in copied,
        "tracker_packages": TRACKER_PACKAGES,
        "tracker_names": TRACKER_NAMES,
        "tracker_howto": TRACKER_HOWTO,
        "has_export": "pipeline/export.py" in copied,
        "has_serve": "pipeline/serve.py" in copied,
        "has_parity": "pipeline/parity.py" in copied,
        "has_ray": "pipeline/predict_ray.py" in copied,
        "runtime": frozenset(copied),  # the runtime files this project has
    }
    # The backend's parts of the README (its macros), rendered with the same context.
    context["backend_doc"] = _template(env, context["backend"].readme).make_module(context)
    kind_readme = context["kind"].readme  # and the kind's, where it uses README.md.j2
    context["kind_doc"] = _template(env, kind_readme).make_module(context) if kind_readme else None
    files: dict[str, str] = {}
    for template, out in rendered_files(project):
        start = time.perf_counter()
        text = _template(env, template).render(context)
        files[out] = text.rstrip("\n") + "\n"
        if timings is not None:
            timings[template] = time.perf_counter() - start
    start = time.perf_counter()
    files = format_python(files)
    if timings is not None:
        timings["ruff format"] = time.perf_counter() - start
    # The runtime is copied byte for byte (it is formatted and linted in distillgen itself).
    for out, source in copied.items():
        files[out] = source.read_text(encoding="utf-8")
    files = dict(sorted(files.items()))
    files[MANIFEST] = manifest(project, files)
    return files


PLUGINS = Path(__file__).resolve().parent / "plugins"


def _template(env: Environment, name: str):
    """A template below templates/, or a plugin's own by its absolute path."""
    if Path(name).is_absolute():
        return env.from_string(Path(name).read_text(encoding="utf-8"))
    return env.get_template(name)


def runtime_files(project: Project) -> dict[str, Path]:
    """The runtime files this project's spec reaches: project path -> source file.

    The shared runtime, then the kind's, the route's and the backend's own files (a
    plugin's file replaces the shared one of the same path), less those the spec
    cannot reach: what the kind has no use for, what only other kinds or other
    backends use, and the modules of features the spec does not declare."""
    kind = plugins.kind(project.kind)
    backend = plugins.backend(project.training["backend"])
    route = project.task.route
    found = runtime.files_under(runtime.ROOT)
    for folder in (kind.runtime(), PLUGINS / "routes" / str(route) / "runtime", backend.runtime()):
        found.update(runtime.files_under(folder))
    backend_only = {path for b in plugins.BACKENDS.values() for path in b.uses}
    kind_only = {path for k in plugins.KINDS.values() for path in k.uses}
    head = route == "head"
    types = {f["type"] for f in project.fields}
    to = project.tracking["to"] if project.tracking is not None else None
    asks_a_server = not head or project.model["chat_template"]
    wanted = {
        "pipeline/csv_rows.py": "csv" in project.formats,
        "pipeline/parquet_rows.py": "parquet" in project.formats,
        "pipeline/hf_rows.py": "hf" in project.formats,
        "pipeline/mix.py": bool(project.sources),
        "pipeline/oversample.py": project.task.oversample,
        "pipeline/label_answer.py": project.prompt["completion_format"] == "label",
        "pipeline/json_answer.py": project.prompt["completion_format"] == "json",
        "pipeline/key_value_answer.py": project.prompt["completion_format"] == "key_value",
        "pipeline/json_grammar.py": project.prompt["completion_format"] == "json",
        # the parser's fast path: every field categorical, as key: value lines or a label
        "pipeline/exact_answers.py": project.prompt["completion_format"] != "json"
        and types == {"categorical"},
        "tests/test_key_value_answers.py": project.prompt["completion_format"] == "key_value",
        "tests/test_json_answers.py": project.prompt["completion_format"] == "json",
        "pipeline/number_grammar.py": bool(types & {"integer", "number"}),
        "pipeline/string_grammar.py": "string" in types,
        "pipeline/number_values.py": bool(types & {"integer", "number"}),
        "pipeline/boolean_values.py": "boolean" in types,
        "pipeline/string_values.py": "string" in types,
        "pipeline/class_metrics.py": bool(types & {"categorical", "boolean"}),
        "pipeline/input_values.py": bool({i["type"] for i in project.inputs} - {"string", "text"}),
        "pipeline/tiers.py": bool(project.task.tiers),
        "pipeline/baseline.py": project.task.baseline,
        "pipeline/causal.py": not head,
        "pipeline/quantized.py": project.training["quantize"] == "4bit",
        "pipeline/head_task.py": head,
        "pipeline/select.py": project.training.get("select") is not None,
        "pipeline/few_shot.py": bool(project.eval.get("base_shots")),
        "pipeline/teacher.py": project.teacher is not None,
        "pipeline/llm_jobs.py": project.teacher is not None,
        # predict through a server: the generative route's, and the head route's base
        # model alone where it has a chat template (a trained head answers through
        # transformers); the teacher asks one too
        "tests/test_predict_server.py": asks_a_server,
        "tests/stand_in_server.py": asks_a_server or project.teacher is not None,
        "pipeline/tracking.py": project.tracking is not None,
        # a backend's reports to the tracker, where its trainer has no reporter of its own
        "pipeline/tracker_reports.py": project.tracking is not None,
        "pipeline/tensorboard_tracker.py": to == "tensorboard",
        "pipeline/wandb_tracker.py": to == "wandb",
        "pipeline/mlflow_tracker.py": to == "mlflow",
        # A server answers chat prompts: not the head's scores. Parity compares greedy
        # answers with eval's: labelled kinds only (generation samples its style prompts).
        "pipeline/serve.py": not head,
        "pipeline/parity.py": kind.labelled and not head,
    }
    files = {
        out: source
        for out, source in found.items()
        if wanted.get(out, True)
        and out not in kind.not_shared
        and (out not in backend_only or out in backend.uses)
        and (out not in kind_only or out in kind.uses)
    }
    if "pipeline/weights.py" not in files:  # a backend that does not say how it exports
        files = {out: source for out, source in files.items() if out not in EXPORT_STEPS}
    # A test named after a module (tests/test_teacher.py: pipeline/teacher.py) comes with it.
    return {
        out: source
        for out, source in files.items()
        if (module := tested_module(out)) not in found or module in files
    }


def tested_module(path: str) -> str | None:
    """The pipeline module a test module is named after (tests/test_teacher.py:
    pipeline/teacher.py), else None."""
    if not path.startswith("tests/test_"):
        return None
    return f"pipeline/{path.removeprefix('tests/test_')}"


# The export steps' modules: a project has them where its backend has pipeline/weights.py.
EXPORT_STEPS = frozenset(
    {
        "pipeline/export.py",
        "pipeline/card.py",
        "pipeline/publish.py",
        "pipeline/serve.py",
        "pipeline/parity.py",
    }
)


def manifest(project: Project, files: dict[str, str]) -> str:
    data = {
        "generator": project.generator,
        "spec": project.spec_ref,
        "spec_sha256": project.spec_sha256,
        "files": {
            path: hashlib.sha256(content.encode("utf-8")).hexdigest()
            for path, content in sorted(files.items())
            if path != MANIFEST
        },
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def _ruff_bin() -> str:
    try:
        from ruff.__main__ import find_ruff_bin

        return os.fsdecode(find_ruff_bin())
    except (ImportError, FileNotFoundError):  # pragma: no cover
        return "ruff"


RUFF_ARGS = ("--isolated", "--line-length", "100", "--target-version", "py311")


def format_python(files: dict[str, str]) -> dict[str, str]:
    """Format every .py file with ruff in one process (the golden bytes depend on it)."""
    py = sorted(p for p in files if p.endswith(".py"))
    if not py:
        return files
    out = dict(files)
    with tempfile.TemporaryDirectory(prefix="distillgen-fmt-") as tmp:
        for i, path in enumerate(py):
            (Path(tmp) / f"f{i}.py").write_text(files[path], encoding="utf-8")
        proc = subprocess.run(
            [_ruff_bin(), "format", "--no-cache", *RUFF_ARGS, "--quiet", tmp],
            capture_output=True,
            text=True,
        )
        if proc.returncode != 0:
            raise RuntimeError(f"ruff could not format the generated code:\n{proc.stderr}")
        for i, path in enumerate(py):
            out[path] = (Path(tmp) / f"f{i}.py").read_text(encoding="utf-8")
    return out
