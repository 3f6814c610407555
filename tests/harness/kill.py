"""What the kill tests share: a busy loop beside them, as on a loaded CI
machine, and the seed that makes their random kill points replayable
(SMARTMED_KILL_SEED=<seed> runs the same points again)."""

import os
import random
import subprocess
import sys

import pytest


@pytest.fixture
def hog():
    """A busy loop beside the test, as a loaded machine.  Under
    pytest-xdist the other workers' tests load the machine too, so the
    loop runs at a lower priority there and takes less from them."""
    loop = "while True: pass"
    if os.environ.get("PYTEST_XDIST_WORKER"):
        loop = "import os\nos.nice(10)\n" + loop
    p = subprocess.Popen([sys.executable, "-c", loop])
    yield p
    p.kill()
    p.wait()


def kill_seed():
    """The seed of this run's kill points: SMARTMED_KILL_SEED, else a
    fresh one (the tests print it and name it in every failure)."""
    s = os.environ.get("SMARTMED_KILL_SEED")
    return int(s) if s else random.SystemRandom().randrange(1 << 31)
