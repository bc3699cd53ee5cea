def seed(run):
    return {}
