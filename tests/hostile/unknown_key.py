from hostile_base import setup


def subject():
    s = setup()
    s["modle"] = s.pop("model")
    return s
