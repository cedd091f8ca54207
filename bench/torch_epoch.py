#!/usr/bin/python3
"""One training epoch of the reference CNN in PyTorch, for side-by-side timing with
bench/backend.ts (same architecture, batch 32, Adam 1e-3, random seeded inputs).

Usage: /usr/bin/python3 bench/torch_epoch.py [--clips 1152] [--threads 2] [--batch 32]
Prints one line: torch_s_per_epoch=... torch_s_per_step=... torch_cpu_s_per_epoch=... (all threads) ...
Exits with status 3 (and a message on stderr) when torch is not installed.
"""
import argparse
import sys
import time

try:
    import torch
    from torch import nn
except ImportError:
    print("torch is not installed (apt-get install -y python3-torch)", file=sys.stderr)
    sys.exit(3)


def reference_cnn(classes=8):
    # The reference's model: 4 x [Conv 3x3 pad 1 -> ReLU -> MaxPool 2] 16/32/64/128 ->
    # flatten (128*4*11 = 5632) -> Linear 128 -> ReLU -> Dropout 0.3 -> Linear 8.
    layers = []
    cin = 1
    for c in (16, 32, 64, 128):
        layers += [nn.Conv2d(cin, c, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2)]
        cin = c
    return nn.Sequential(
        nn.Sequential(*layers),
        nn.Flatten(),
        nn.Linear(128 * 4 * 11, 128), nn.ReLU(), nn.Dropout(0.3), nn.Linear(128, classes),
    )


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--clips", type=int, default=1152)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch", type=int, default=32)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    x = torch.randn(args.clips, 1, 64, 188)
    y = torch.randint(0, 8, (args.clips,))
    model = reference_cnn()
    n_params = sum(p.numel() for p in model.parameters())
    assert n_params == 819208, n_params
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    model.train()
    gen = torch.Generator().manual_seed(0)
    order = torch.randperm(args.clips, generator=gen)
    steps = 0
    t0 = time.perf_counter()
    c0 = time.process_time()
    for b in range(0, args.clips, args.batch):
        idx = order[b:b + args.batch]
        opt.zero_grad()
        loss = loss_fn(model(x[idx]), y[idx])
        loss.backward()
        opt.step()
        steps += 1
    dt = time.perf_counter() - t0
    cpu = time.process_time() - c0
    print(f"torch_s_per_epoch={dt:.3f} torch_s_per_step={dt / steps:.4f} torch_cpu_s_per_epoch={cpu:.3f} torch_steps={steps} "
          f"torch_threads={torch.get_num_threads()} torch_version={torch.__version__}")


if __name__ == "__main__":
    main()
