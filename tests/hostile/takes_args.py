from hostile_base import setup


def subject(batch_size):
    return setup()
