"""A kernel that executes several notebooks in turn, each from a clean slate.

Starting a kernel and importing pandas, scipy, lifelines and matplotlib into it
costs about as much CPU as most chapters compute. The pipeline therefore keeps
one kernel per worker process and executes that worker's notebooks in it, one
after the other. Before each notebook, :meth:`WarmKernel.prepare` puts the kernel
back to the state it had when it started:

- the user namespace, ``In``/``Out`` and the execution counter are cleared, in a
  new history session (``get_ipython().reset(new_session=True)``; cells are numbered
  from 1 again; numbering from 1 in the same session makes IPython print "ERROR!
  Session/line number was not unique" into the next notebook's output);
- ``os.environ``, the working directory, ``sys.path`` and the warning filters are
  restored, and the record directory is set for the notebook;
- matplotlib's ``rcParams`` are restored and every pyplot figure is closed;
- the global random states of numpy and of :mod:`random` are restored.

What stays is what makes a second notebook cheap: the imported modules, and the
package's caches, which are keyed on their inputs (the data dictionary by path).
A notebook therefore cannot use a name another notebook defined: it would fail
with a ``NameError`` as in a fresh kernel. A kernel that died is started again.
"""

from __future__ import annotations

from pathlib import Path

from nettx_utils.errors import NettxError
from nettx_utils.record import RECORD_DIR_ENV

_SNAPSHOT = """
def _nettx_snapshot():
    import os, random, sys, types, warnings
    import matplotlib, numpy
    sys.modules["_nettx_pristine"] = types.SimpleNamespace(
        environ=dict(os.environ), path=list(sys.path), filters=list(warnings.filters),
        rc={k: v for k, v in matplotlib.rcParams.items() if k != "backend"},
        numpy_state=numpy.random.get_state(), random_state=random.getstate(),
    )
_nettx_snapshot()
del _nettx_snapshot
"""

_RESET = """
def _nettx_reset(directory):
    import os, random, sys, warnings
    import matplotlib, numpy
    shell = get_ipython()
    shell.reset(new_session=True)  # a new history session: cells are numbered from 1 again
    shell.execution_count = 1
    pristine = sys.modules["_nettx_pristine"]
    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")
    os.environ.clear()
    os.environ.update(pristine.environ)
    os.environ[{record_env!r}] = directory
    os.chdir(directory)
    sys.path[:] = pristine.path
    warnings.filters[:] = pristine.filters
    warnings._filters_mutated()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        matplotlib.rcParams.update(pristine.rc)
    numpy.random.set_state(pristine.numpy_state)
    random.setstate(pristine.random_state)
_nettx_reset({directory!r})
"""


class WarmKernel:
    """One Jupyter kernel, reused for several notebooks (see the module docstring)."""

    def __init__(self, kernel_name: str, cwd: Path) -> None:
        self.kernel_name = kernel_name
        self.cwd = Path(cwd)
        self.km = None
        self.starts = 0

    def _run(self, code: str) -> None:
        """Execute ``code`` silently (no output, no history, no execution count)."""
        from jupyter_core.utils import run_sync

        client = self.km.client()
        client.start_channels()
        try:
            run_sync(client.wait_for_ready)(timeout=60)
            reply = run_sync(client.execute_interactive)(
                code, silent=True, store_history=False, timeout=60
            )
        finally:
            client.stop_channels()
        content = reply["content"]
        if content["status"] != "ok":
            raise NettxError(
                f"could not prepare the kernel {self.kernel_name!r}: "
                f"{content.get('ename')}: {content.get('evalue')}"
            )

    def _start(self) -> None:
        from jupyter_client.manager import AsyncKernelManager
        from jupyter_core.utils import run_sync

        self.km = AsyncKernelManager(kernel_name=self.kernel_name)
        run_sync(self.km.start_kernel)(cwd=str(self.cwd))
        self.starts += 1
        self._run(_SNAPSHOT)

    def prepare(self, directory: Path) -> None:
        """Make the kernel ready for the next notebook, executed in ``directory``."""
        from jupyter_core.utils import run_sync

        if self.km is None or not run_sync(self.km.is_alive)():
            self._start()
        self._run(_RESET.format(record_env=RECORD_DIR_ENV, directory=str(directory)))

    def shutdown(self) -> None:
        """Stop the kernel (safe to call twice)."""
        from jupyter_core.utils import run_sync

        if self.km is not None and self.km.has_kernel:
            run_sync(self.km.shutdown_kernel)(now=True)
        self.km = None
