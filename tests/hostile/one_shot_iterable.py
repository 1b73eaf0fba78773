"""train_data is iterable but not an iterator: its __iter__ hands out the same generator each time,
so the first pass reads it and every later pass is empty."""
from hostile_base import loader, setup


class OneShot:
    def __init__(self, batches):
        self.it = iter(list(batches))

    def __iter__(self):
        return self.it


def subject():
    return setup(train_data=OneShot(loader()))
