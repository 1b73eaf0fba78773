from torch import nn

from hostile_base import setup


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 3)

    def forward(self, x):
        return self.fc(x)


def subject():
    return setup(model=Net)  # the class, not Net()
