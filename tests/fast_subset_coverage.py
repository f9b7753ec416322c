"""Does the fast subset (``pytest -m "not slow"``) run every module of newsbot?

    .venv/bin/python tests/fast_subset_coverage.py

Runs the fast subset under coverage.py and prints, per module of ``newsbot/``, its
statements, those the subset ran, and those it ran inside a function (a module whose
functions never ran was only imported: its import runs its ``def`` lines, not its code).
Exits 1, naming them, if a module with functions had none of them run, or a module with
statements was not run at all (``PROCESS_ONLY`` lists the exceptions, and why).
"""

from __future__ import annotations

import ast
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "newsbot"
# Modules that run only in a process of their own, by design: shown, not counted.
PROCESS_ONLY = {
    "newsbot/crawl/forkserver_guard.py": "imported by the worker pool's forkserver alone (tests/test_edges.py)",
}


def function_lines(source: str) -> set[int]:
    """The lines of every function's body (nested ones included), not its ``def`` line."""
    lines: set[int] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            body = node.body if isinstance(node.body, list) else [node.body]
            lines.update(range(body[0].lineno, (node.end_lineno or body[0].lineno) + 1))
    return lines


def main() -> int:
    import coverage

    with tempfile.TemporaryDirectory() as scratch:
        data = Path(scratch) / ".coverage"
        command = [sys.executable, "-m", "coverage", "run", f"--data-file={data}", f"--source={PACKAGE}",
                   "-m", "pytest", "-m", "not slow", "-q", "-p", "no:cacheprovider", "-n", "0",
                   f"--basetemp={Path(scratch) / 'tmp'}"]
        started = time.monotonic()
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
        seconds = time.monotonic() - started
        summary = (done.stdout.strip().splitlines() or [""])[-1]
        print(f"pytest -m 'not slow' under coverage: {summary} ({seconds:.0f} s with coverage's tracing)")
        if done.returncode != 0:
            print(done.stdout[-5000:], done.stderr[-3000:], sep="\n")
            return 1
        measured = coverage.Coverage(data_file=str(data))
        measured.load()
        rows, unrun = [], []
        for path in sorted(PACKAGE.rglob("*.py")):
            _, statements, _, missing, _ = measured.analysis2(str(path))
            ran = set(statements) - set(missing)
            in_functions = function_lines(path.read_text(encoding="utf-8"))
            has_functions = bool(in_functions & set(statements))
            ran_in_functions = len(ran & in_functions)
            name = str(path.relative_to(ROOT))
            rows.append((name, len(statements), len(ran), ran_in_functions if has_functions else None))
            if statements and name not in PROCESS_ONLY and (not ran or (has_functions and not ran_in_functions)):
                unrun.append(name)
    width = max(len(row[0]) for row in rows)
    print(f"{'module':<{width}}  statements    ran      %  ran in functions")
    for name, statements, ran, in_functions in rows:
        percent = 100 * ran / statements if statements else 100.0
        shown = "(no functions)" if in_functions is None else str(in_functions)
        if name in PROCESS_ONLY:
            shown += f"  (process only: {PROCESS_ONLY[name]})"
        print(f"{name:<{width}}  {statements:>10}  {ran:>5}  {percent:5.1f}  {shown}")
    total, total_ran = sum(r[1] for r in rows), sum(r[2] for r in rows)
    print(f"{'total':<{width}}  {total:>10}  {total_ran:>5}  {100 * total_ran / total:5.1f}")
    empty = sum(1 for row in rows if not row[1])
    print(f"{len(rows)} modules ({empty} empty, {len(PROCESS_ONLY)} process only): "
          f"{len(rows) - empty - len(PROCESS_ONLY) - len(unrun)} of the other {len(rows) - empty - len(PROCESS_ONLY)} "
          f"run by the fast subset")
    if unrun:
        print("modules the fast subset does not run (only imported, or not at all):", *unrun, sep="\n  ")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
