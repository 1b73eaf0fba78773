"""A LightningModule at module level, so that a target can name the class itself
(``dldoctor diagnose tests/ecosystem_lightning.py:Classifier``); and one with manual optimization."""
from __future__ import annotations

import lightning.pytorch as L
import torch
from torch.utils.data import DataLoader, TensorDataset


class Classifier(L.LightningModule):
    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.net = torch.nn.Sequential(torch.nn.Linear(4, 16), torch.nn.ReLU(), torch.nn.Linear(16, 2))
        g = torch.Generator().manual_seed(0)
        self.x = torch.randn(128, 4, generator=g)
        self.y = (self.x[:, 0] > 0).long()

    def forward(self, x):
        return self.net(x)

    def training_step(self, batch, batch_idx):
        x, y = batch
        return torch.nn.functional.cross_entropy(self(x), y)

    def configure_optimizers(self):
        return torch.optim.Adam(self.parameters(), lr=1e-2)

    def train_dataloader(self):
        return DataLoader(TensorDataset(self.x, self.y), batch_size=16)


class Manual(Classifier):
    def __init__(self):
        super().__init__()
        self.automatic_optimization = False


def manual():
    return Manual()
