"""requirements.txt is exactly what the running app imports: nothing missing, nothing only tools use.

Benchmarks' and tests' packages (MoviePy for the render baseline, pytest, playwright) belong in
requirements-dev.txt; a runtime requirement that no runtime module imports is an unused dependency.
"""
from __future__ import annotations

import ast
import importlib.metadata as metadata
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUNTIME_CODE = [ROOT / "app.py", *(p for d in ("reel", "webui", "workers") for p in (ROOT / d).rglob("*.py"))]
LOCAL_PACKAGES = {"app", "reel", "webui", "workers"}
# Runtime requirements no module imports by name, and who needs them.
INDIRECT = {"redis": "huey's RedisHuey, the queue when REEL_QUEUE_URL is redis://",
            "websockets": "a resolver floor (>= 13) for elevenlabs beside runpod and gradio"}


def _requirements(name: str) -> set[str]:
    names = set()
    for line in (ROOT / name).read_text(encoding="utf-8").splitlines():
        line = line.split("#")[0].strip()
        if line and not line.startswith("-"):
            names.add(re.split(r"[\[<>=~! ;]", line)[0].lower().replace("_", "-"))
    return names


def _runtime_distributions() -> set[str]:
    modules = set()
    for path in RUNTIME_CODE:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                modules |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules.add(node.module.split(".")[0])
    owners = metadata.packages_distributions()
    return {dist.lower().replace("_", "-")
            for module in modules - LOCAL_PACKAGES if module not in sys.stdlib_module_names
            for dist in owners[module]}


def test_every_runtime_import_is_a_runtime_requirement():
    assert _runtime_distributions() - _requirements("requirements.txt") == set()


def test_every_runtime_requirement_is_used_by_the_app():
    unused = _requirements("requirements.txt") - _runtime_distributions() - set(INDIRECT)
    assert unused == set(), f"not imported by app.py, reel/, webui/ or workers/: {sorted(unused)}"


def test_the_benchmark_baseline_is_a_dev_requirement_only():
    assert "moviepy" not in _requirements("requirements.txt")
    assert "moviepy" in _requirements("requirements-dev.txt")
