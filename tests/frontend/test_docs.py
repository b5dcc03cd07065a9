"""The code blocks of docs/WALKTHROUGH.md run, in order, in one namespace."""
import re
from pathlib import Path

DOC = Path(__file__).resolve().parents[2] / "docs" / "WALKTHROUGH.md"


def test_walkthrough_doc_runs(capsys):
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(), flags=re.S)
    assert len(blocks) >= 5
    ns = {}
    for i, code in enumerate(blocks):
        exec(compile(code, f"{DOC.name}[block {i}]", "exec"), ns)
    out = capsys.readouterr().out
    assert "ValueError: Incompatible shapes" in out
    assert "TypeError: Bad argument 0 ('x')" in out
