"""The package as users meet it: a light, fast import and a README that matches CI."""
import json
import pathlib
import re
import subprocess
import sys

import pytest

import diffkit

ROOT = pathlib.Path(__file__).resolve().parents[1]

IMPORT_PROBE = """
import json, sys, time
start = time.perf_counter()
import diffkit
seconds = time.perf_counter() - start
heavy = [m for m in ("sympy", "matplotlib", "numba") if m in sys.modules]
print(json.dumps({"seconds": seconds, "heavy": heavy}))
"""


def probe_import():
    run = subprocess.run([sys.executable, "-c", IMPORT_PROBE], capture_output=True, text=True,
                         timeout=120, cwd=ROOT)
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout.splitlines()[-1])


def test_import_does_not_load_sympy_matplotlib_or_numba():
    assert probe_import()["heavy"] == []


def test_import_is_fast():
    # The target is < 0.5 s on a warm machine.  The probe times only `import diffkit`
    # inside a fresh interpreter (interpreter start-up excluded), after a first run has
    # warmed the file cache; the bound is a generous 1.0 s so that a loaded CI machine
    # does not make the test flaky, while an accidental import of sympy or numba (each
    # well over a second cold) still fails it.
    probe_import()
    best = min(probe_import()["seconds"] for _ in range(2))
    assert best < 1.0, f"import diffkit took {best:.2f} s"


def test_readme_gives_the_ci_test_command_verbatim():
    lines = (ROOT / ".ci" / "run").read_text().splitlines()
    marker = [i for i, line in enumerate(lines) if line.strip() == "# README test command:"]
    assert len(marker) == 1, "the CI script must mark the README test command once"
    command = lines[marker[0] + 1].strip()
    assert command and "pytest" in command
    assert command in (ROOT / "README.md").read_text().splitlines()


def test_readme_opens_with_the_main_job_then_the_test_command():
    readme = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```bash\n(.*?)\n```", readme, flags=re.S)
    assert blocks[0] == "pip install . && diffkit report"
    assert blocks[1] == 'pip install ".[test]" && python -m pytest'
    assert "diffkit = \"diffkit.cli:main\"" in (ROOT / "pyproject.toml").read_text()
    # the main job is a real subcommand of the installed command
    from diffkit.cli import build_parser
    assert build_parser().parse_args(["report"]).command == "report"


def test_version_matches_pyproject():
    text = (ROOT / "pyproject.toml").read_text()
    assert f'version = "{diffkit.__version__}"' in text


@pytest.mark.parametrize("name", diffkit.__all__)
def test_public_names_exist(name):
    assert getattr(diffkit, name) is not None


def test_every_diffkit_error_class_derives_from_the_base():
    from diffkit import errors
    classes = [obj for obj in vars(errors).values()
               if isinstance(obj, type) and issubclass(obj, Exception)]
    assert len(classes) >= 6
    assert all(issubclass(c, diffkit.DiffkitError) for c in classes)


def test_readme_lists_the_numpy_surface():
    import scipy.special  # noqa: F401  (SciPy's ufuncs are named once SciPy is loaded)
    from diffkit.graph.numpy_functions import surface
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## The NumPy surface", 1)[1].split("\n## ", 1)[0]
    assert [name for name in surface() if f"`{name}`" not in section] == []
