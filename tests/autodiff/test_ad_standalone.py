"""autodiff stands alone on graphcore: imports and the standalone demo."""
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def test_imports_only_graphcore_and_stdlib():
    code = (
        "import sys, tensorsmith_autodiff\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('numpy', 'scipy', 'tensorsmith', 'tensorsmith_tensorops', 'tensorsmith_rewriter', "
        "'tensorsmith_ccompile', 'tensorsmith_gpucuda'))\n"
        "assert not bad, bad\n"
        "assert 'tensorsmith_graphcore' in sys.modules\n"
        "print(tensorsmith_autodiff.__version__)\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "0.1.0"


def test_public_api():
    import tensorsmith_autodiff as ad

    for name in ["grad", "pullback", "Lop", "pushforward", "Rop", "register_grad", "get_grad_rule",
                 "has_grad_rule", "register_jvp", "get_jvp_rule", "disconnected", "DisconnectedGrad",
                 "NullGrad", "grad_undefined", "grad_not_implemented", "NOT_DIFFERENTIABLE",
                 "mark_not_differentiable", "NullGradientError"]:
        assert hasattr(ad, name), name
        assert name in ad.__all__, name
    # Lop/Rop: pullback/pushforward under PyTensor's parameter names
    import inspect

    assert list(inspect.signature(ad.Lop).parameters)[:3] == ["f", "wrt", "eval_points"]
    assert list(inspect.signature(ad.Rop).parameters)[:3] == ["f", "wrt", "eval_points"]


def test_standalone_demo_runs():
    r = subprocess.run([sys.executable, os.path.join(HERE, "standalone_demo.py")],
                       capture_output=True, text=True, timeout=60, cwd=os.path.dirname(HERE))
    assert r.returncode == 0, r.stdout + r.stderr
    assert "OK" in r.stdout
