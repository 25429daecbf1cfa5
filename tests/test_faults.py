"""Faults while writing the outputs: signals, a full disk, a file-size limit, no permission.

Each test starts from the complete outputs of an earlier run (corpus A) in ``--out`` and
runs ``lineage analyze`` on corpus B with a fault. Afterwards every file in ``--out``
parses whole, and the folder holds exactly the old set (A) or, where the fault came
after the commit point, exactly the new set (B); which one is known in advance.

Signals are sent at seeded points of the writing: the child runs the real command line
with ``os.replace``/``os.rename`` wrapped so that the k-th file move first sends the
signal to the process itself. The commit point is the rename of the staging folder
(see :mod:`lineage.io`).
"""

from __future__ import annotations

import json
import random
import resource
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from PIL import Image

from lineage.io import MANIFEST, recover

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
CHILD = """
import json, os, signal, sys
from lineage import cli
fault_at, signum, corpus, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
moves, commit_at = [], []
real_replace, real_rename = os.replace, os.rename

def fault():
    moves.append(1)
    if len(moves) == fault_at:
        os.kill(os.getpid(), signum)

def replace(src, dst, **kw):
    fault()
    return real_replace(src, dst, **kw)

def rename(src, dst, **kw):
    fault()
    commit_at.append(len(moves))
    return real_rename(src, dst, **kw)

os.replace, os.rename = replace, rename
sys.argv = ["lineage", "analyze", corpus, "--out", out]
try:
    cli.main()
finally:
    print(json.dumps({"moves": len(moves), "commit_at": commit_at}), file=sys.stderr)
"""


def analyze_with_fault(
    corpus: Path, out: Path, fault_at: int = 0, signum: int = 0, **popen: object
) -> subprocess.CompletedProcess[str]:
    """Run ``lineage analyze`` in a child, sending ``signum`` before file move ``fault_at``."""
    argv = [sys.executable, "-c", CHILD, str(fault_at), str(signum), str(corpus), str(out)]
    return subprocess.run(argv, capture_output=True, text=True, cwd=ROOT, timeout=300, **popen)


def moves_of(done: subprocess.CompletedProcess[str]) -> dict[str, object]:
    return json.loads(done.stderr.strip().splitlines()[-1])


def snapshot(out: Path) -> dict[str, bytes]:
    """Every visible file of ``out`` and the manifest, by name, after checking each parses."""
    files = {}
    for path in sorted(out.iterdir()):
        if path.name.startswith(".") and path.name != MANIFEST:
            continue
        assert path.is_file(), path
        parse_whole(path)
        files[path.name] = path.read_bytes()
    return files


def parse_whole(path: Path) -> None:
    """Read ``path`` completely with the parser of its format (raises if cut short)."""
    if path.suffix == ".json":
        json.loads(path.read_text(encoding="utf-8"))
    elif path.suffix == ".csv":
        pd.read_csv(path)
    elif path.suffix == ".png":
        with Image.open(path) as image:
            image.load()
    elif path.suffix == ".html":
        assert path.read_text(encoding="utf-8").rstrip().endswith("</html>"), path


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """Corpora A and B, the complete outputs of each, and the file moves of run B."""
    base = tmp_path_factory.mktemp("faults")
    seeds = sorted(SEEDS.glob("*.txt"))
    corpora = {"A": seeds[:2], "B": seeds[:3]}
    found: dict[str, object] = {}
    for name, files in corpora.items():
        corpus = base / f"corpus-{name}"
        corpus.mkdir()
        for seed in files:
            shutil.copy(seed, corpus / seed.name)
        out = base / f"out-{name}"
        done = analyze_with_fault(corpus, out)
        assert done.returncode == 0, done.stderr
        found[name] = corpus
        found[f"set-{name}"] = snapshot(out)
        found[f"out-{name}"] = out
        found[f"moves-{name}"] = moves_of(done)
    assert found["set-A"] != found["set-B"]
    return found


def previous_run(runs: dict[str, object], out: Path) -> Path:
    """Put the complete outputs of run A into ``out``, as an earlier run left them."""
    shutil.copytree(runs["out-A"], out)
    return out


def fault_points(runs: dict[str, object], count: int, seed: int) -> list[tuple[int, bool]]:
    """Seeded file moves to fault at: one before the commit point, one after, the rest any."""
    moves = runs["moves-B"]
    (commit,) = moves["commit_at"]
    rng = random.Random(seed)
    points = [rng.randint(1, commit), rng.randint(commit + 1, moves["moves"])]
    points += [rng.randint(1, moves["moves"]) for _ in range(count - 2)]
    return [(point, point > commit) for point in points]


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_an_interruption_leaves_the_old_set_or_finishes_the_commit(runs, tmp_path, signum):
    for n, (point, committed) in enumerate(fault_points(runs, count=2, seed=int(signum))):
        out = previous_run(runs, tmp_path / f"out-{n}")
        done = analyze_with_fault(runs["B"], out, point, int(signum))
        assert done.returncode == 130, done.stderr
        assert "interrupted: no output was left half-written" in done.stderr
        assert "Traceback" not in done.stderr
        expected = runs["set-B"] if committed else runs["set-A"]
        assert snapshot(out) == expected, (point, committed)
        assert [p.name for p in out.iterdir() if p.name.startswith(".lineage-")] == [MANIFEST]


def test_a_hard_kill_leaves_whole_files_and_the_next_run_finishes_the_commit(runs, tmp_path):
    (commit,) = runs["moves-B"]["commit_at"]
    names = sorted(runs["set-B"])  # the manifest's order: the order files are moved in
    for n, (point, committed) in enumerate(fault_points(runs, count=3, seed=9)):
        out = previous_run(runs, tmp_path / f"out-{n}")
        done = analyze_with_fault(runs["B"], out, point, int(signal.SIGKILL))
        assert done.returncode == -signal.SIGKILL
        if not committed:
            assert snapshot(out) == runs["set-A"], point
        else:
            moved = [name for name in names if name != MANIFEST][: point - commit - 1]
            expected = dict(runs["set-A"])
            expected.update({name: runs["set-B"][name] for name in moved})
            assert snapshot(out) == expected, point
        recover(out)
        assert snapshot(out) == (runs["set-B"] if committed else runs["set-A"]), point
        assert [p.name for p in out.iterdir() if p.name.startswith(".lineage-")] == [MANIFEST]


def _limit_file_size(limit: int) -> None:
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))


def test_a_file_size_limit_keeps_the_old_set_and_says_why(runs, tmp_path):
    out = previous_run(runs, tmp_path / "out")
    biggest = max(len(data) for data in runs["set-B"].values())
    done = analyze_with_fault(runs["B"], out, preexec_fn=lambda: _limit_file_size(biggest // 2))
    assert done.returncode == 2, done.stderr
    assert done.stderr.splitlines()[0] == (
        f"error: cannot write the outputs in {out}: File too large; the previous outputs are kept"
    )
    assert snapshot(out) == runs["set-A"]
    assert [p.name for p in out.iterdir() if p.name.startswith(".lineage-")] == [MANIFEST]


@pytest.fixture
def small_disk(tmp_path: Path, runs: dict[str, object]):
    """A tmpfs holding the old set with room for about half of the new one."""
    mount = tmp_path / "disk"
    mount.mkdir()
    size = sum(map(len, runs["set-A"].values())) + sum(map(len, runs["set-B"].values())) // 2
    attempt = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size + 64 * 1024}", "tmpfs", str(mount)],
        capture_output=True,
        text=True,
    )
    if attempt.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here ({attempt.stderr.strip()})")
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=True)


def test_a_full_disk_keeps_the_old_set_and_says_why(runs, small_disk):
    out = previous_run(runs, small_disk / "out")
    done = analyze_with_fault(runs["B"], out)
    assert done.returncode == 2, done.stderr
    assert done.stderr.splitlines()[0] == (
        f"error: cannot write the outputs in {out}: No space left on device; "
        "the previous outputs are kept"
    )
    assert snapshot(out) == runs["set-A"]
    assert [p.name for p in out.iterdir() if p.name.startswith(".lineage-")] == [MANIFEST]


def test_no_permission_keeps_the_old_set_and_says_why(runs, tmp_path, bound_by_permissions):
    out = previous_run(runs, tmp_path / "out")
    out.chmod(0o555)
    argv = [sys.executable, "-m", "lineage", "analyze", str(runs["B"]), "--out", str(out)]
    done = subprocess.run(
        [*bound_by_permissions, *argv], capture_output=True, text=True, cwd=ROOT, timeout=300
    )
    out.chmod(0o755)
    assert done.returncode == 2, done.stderr
    assert done.stderr.splitlines() == [f"error: cannot write to {out}: Permission denied"]
    assert snapshot(out) == runs["set-A"]
