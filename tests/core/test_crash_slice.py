"""A slice of the crash campaign (bench/crash.py): 20 SIGKILLs during writes, nothing corrupt,
lost or left lying around."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_twenty_kills_during_writes_lose_nothing(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "crash.py"), "--kills", "20", "--seed", "3", "--keep", str(tmp_path)],
        capture_output=True, text=True, cwd=ROOT, timeout=180,
    )  # fmt: skip
    result = json.loads(done.stdout)
    assert result["kills"] == 20
    assert result["acknowledged_writes"] > 0  # the kills landed among writes, not before them
    assert (result["corrupt"], result["lost"], result["debris"]) == (0, 0, 0), result["findings"]
    assert done.returncode == 0
