"""Every forward takes a while and records the worker's pid in $HOSTILE_FLAG (the Ctrl-C test)."""
import os
import time

from torch import nn

from hostile_base import setup


class Slow(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 3)

    def forward(self, x):
        flag = os.environ.get("HOSTILE_FLAG")
        if flag:
            with open(flag, "w") as f:
                f.write(str(os.getpid()))
        time.sleep(60)
        return self.fc(x)


def subject():
    return setup(model=Slow())
