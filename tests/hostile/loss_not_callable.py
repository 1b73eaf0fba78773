from hostile_base import setup


def subject():
    return setup(loss_fn="cross_entropy")
