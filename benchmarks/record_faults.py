"""The watch's fault set: 11 planted faults and 3 healthy runs of a tiny MLP on sklearn's digits,
each recorded by the watch (300 steps, every=10) and diagnosed from the record alone.

    python benchmarks/record_faults.py [--steps 300] [--every 10] [--keep DIR]

Prints, per run, the cause the record names first (``dldoctor diagnose --record``), its belief and
the verdict; the goal (issue 17) is the right cause first for at least 9 of the 11 faults, no
healthy run called a problem and no run whose loss exploded called healthy.  ``tests/test_record_faults.py``
runs the same set.  Each fault is planted the way it happens in users' code, from the first step
unless said otherwise.
"""
from __future__ import annotations

import argparse
import io
import sys
import tempfile
from pathlib import Path

import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dldoctor.probes.watch import watch  # noqa: E402

# fault -> the cause the record should name first
FAULTS = {
    "lr-high": "lr-too-high",  # SGD at lr 3: units die and updates shrink because of the rate
    "lr-low": "lr-too-low",  # SGD at lr 1e-5
    "no-zero-grad": "missing-zero-grad",  # optimizer.zero_grad() left out
    "softmax-ce": "wrong-loss-input",  # nn.Softmax at the end of the model, then CrossEntropyLoss
    "frozen": "frozen-parameters",  # requires_grad=False on every layer but the last
    "vanishing": "vanishing-gradients",  # 8 sigmoid layers trained by plain SGD
    "exploding": "exploding-gradients",  # 8 ReLU layers initialised 2.5x too large
    "dead-relu": "dead-relu",  # hidden biases initialised at -5: every ReLU unit off from the start
    "raw-inputs": "inputs-not-normalized",  # pixels 0..255 fed as they are
    "nan-later": "numerical-instability",  # inputs divided by their norm; blank images from step 150 give 0/0
    "overfit": "over-training",  # 32 training examples, a wide net, 300 steps of Adam at 3e-3
}
HEALTHY = ("healthy", "warmup", "clipped")


def digits():
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    X = torch.tensor(X / 16.0, dtype=torch.float32)
    return (X[:1500], torch.tensor(y[:1500])), (X[1500:], torch.tensor(y[1500:]))


class UnitNorm(nn.Module):
    """Scales each input row to unit length (a hand-written normaliser with no epsilon)."""

    def forward(self, x):
        return x / x.norm(dim=1, keepdim=True)


def _mlp(width=(128, 64), act=nn.ReLU):
    layers, d = [], 64
    for w in width:
        layers += [nn.Linear(d, w), act()]
        d = w
    return nn.Sequential(*layers, nn.Linear(d, 10))


def _model(fault: str) -> nn.Module:
    if fault == "softmax-ce":
        return nn.Sequential(_mlp(), nn.Softmax(dim=1))
    if fault == "vanishing":
        return _mlp((64,) * 8, nn.Sigmoid)
    if fault == "exploding":
        net = _mlp((64,) * 8)
        with torch.no_grad():
            for m in net:
                if isinstance(m, nn.Linear):
                    nn.init.normal_(m.weight, 0.0, 2.5 * (2.0 / m.in_features) ** 0.5)  # 2.5x Kaiming
        return net
    if fault == "dead-relu":
        net = _mlp()
        with torch.no_grad():
            for m in list(net)[:-1]:
                if isinstance(m, nn.Linear):
                    m.bias.fill_(-5.0)
        return net
    if fault == "nan-later":
        return nn.Sequential(UnitNorm(), _mlp())
    if fault == "overfit":
        return _mlp((256, 256))
    return _mlp()


def _optimizer(fault: str, params):
    if fault == "lr-high":
        return torch.optim.SGD(params, lr=3.0)
    if fault == "lr-low":
        return torch.optim.SGD(params, lr=1e-5)
    if fault in ("no-zero-grad", "vanishing", "exploding"):
        return torch.optim.SGD(params, lr=0.05 if fault != "exploding" else 0.01, momentum=0.9 if fault != "vanishing" else 0.0)
    if fault == "overfit":
        return torch.optim.Adam(params, 3e-3)
    return torch.optim.Adam(params, 1e-3)


def run(fault: str, path, steps: int = 300, every: int = 10, seed: int = 0, data=None) -> list[str]:
    """Train with ``fault`` planted, recorded by the watch at ``path``; returns the watch's warnings."""
    torch.manual_seed(seed)
    (X, y), (Xv, yv) = data or digits()
    if fault == "raw-inputs":
        X, Xv = X * 255.0, Xv * 255.0
    if fault == "overfit":
        X, y = X[:32], y[:32]
    net = _model(fault)
    if fault == "frozen":
        for p in list(net.parameters())[:-2]:
            p.requires_grad_(False)
    opt = _optimizer(fault, [p for p in net.parameters() if p.requires_grad])
    sched = torch.optim.lr_scheduler.LinearLR(opt, 0.01, total_iters=100) if fault == "warmup" else None
    loss_fn = nn.CrossEntropyLoss()
    g = torch.Generator().manual_seed(seed)
    stream = io.StringIO()
    with watch(net, opt, record=path, every=every, stream=stream, check_share=1.0) as w:
        for k in range(steps):
            idx = torch.randint(0, len(X), (32,), generator=g)
            xb, yb = X[idx], y[idx]
            if fault == "nan-later" and k >= 150:
                xb = xb.clone()
                xb[0] = 0.0  # a blank image
            if fault != "no-zero-grad":
                opt.zero_grad()
            loss = loss_fn(net(xb), yb)
            loss.backward()
            if fault == "clipped":
                nn.utils.clip_grad_norm_(net.parameters(), 0.5)
            opt.step()
            if sched is not None:
                sched.step()
            w.step(loss)
            if (k + 1) % 25 == 0:
                with torch.no_grad():
                    w.eval(val_loss=loss_fn(net(Xv), yv).item())
    return w.warnings


def judge(path) -> dict:
    """The diagnosis of a record alone, as ``dldoctor diagnose --record PATH --format json`` gives it."""
    from dldoctor.expert.diagnosis import diagnose

    report = diagnose(record=str(path)).to_json()
    top = report["causes"][0]
    present = {o["symptom"] for o in report["observations"] if o["present"]}
    return {"verdict": report["verdict"], "top": top["id"], "score": top["score"], "second": report["causes"][1]["id"],
            "findings": report["probes"][0]["findings"], "exploded": "record-loss-explodes" in present, "present": present}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--steps", type=int, default=300)
    p.add_argument("--every", type=int, default=10)
    p.add_argument("--keep", metavar="DIR", help="keep the records in this folder")
    p.add_argument("--only", nargs="*", help="these runs only")
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    torch.set_num_threads(1)
    data = digits()
    right = exploded_healthy = healthy_wrong = 0
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(args.keep or tmp)
        folder.mkdir(parents=True, exist_ok=True)
        names = [*FAULTS, *HEALTHY] if not args.only else args.only
        print(f"{'run':<13} {'want':<22} {'top cause':<24} {'belief':>6}  {'verdict':<8} loss        warnings")
        for name in names:
            path = folder / f"{name}.jsonl"
            warnings = run(name, path, args.steps, args.every, seed=args.seed, data=data)
            j = judge(path)
            want = FAULTS.get(name, "healthy")
            got = j["top"] if j["verdict"] == "problems" else "healthy"
            ok = got == want
            right += ok and name in FAULTS
            healthy_wrong += name in HEALTHY and not ok
            exploded_healthy += j["exploded"] and j["verdict"] == "healthy"
            short = [w.split(": ", 2)[-1][:40] for w in warnings]
            print(f"{name:<13} {want:<22} {j['top']:<24} {j['score']:6.2f}  {j['verdict']:<8} {'exploded' if j['exploded'] else '':<11} "
                  f"{'ok ' if ok else 'BAD'} {len(warnings)} {'; '.join(short)}")
    print(f"right cause first: {right}/{len(FAULTS)}; healthy runs called problems: {healthy_wrong}; "
          f"exploded runs called healthy: {exploded_healthy}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
