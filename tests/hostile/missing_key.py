from hostile_base import setup


def subject():
    s = setup()
    del s["loss_fn"]
    return s
