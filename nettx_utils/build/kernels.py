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
- the global random states of numpy and of :mod:`random` are restored, and numpy's
  floating-point error handling (``np.seterr``; lifelines changes it for the whole
  process, which silenced warnings in later notebooks of the same kernel).

The kernel imports the package's chapter module (pandas, scipy, matplotlib) and
myst-nb when it starts, before that snapshot: :meth:`WarmKernel.launch` queues this
without waiting, so the kernel can import while its caller does other work.

What stays is what makes a second notebook cheap: the imported modules, and the
package's caches, which are keyed on their inputs (the data dictionary by path).
A notebook therefore cannot use a name another notebook defined: it would fail
with a ``NameError`` as in a fresh kernel. A kernel that died is started again.
"""

from __future__ import annotations

import queue
import time
import uuid
from pathlib import Path

from nettx_utils.build import startup
from nettx_utils.errors import NettxError
from nettx_utils.pages.record import RECORD_DIR_ENV

_SNAPSHOT = (
    startup.HIDE_SLOW_OPTIONAL_MODULES
    + """
import nettx_utils.pages.chapter, myst_nb  # what every chapter imports first
def _nettx_snapshot():
    import os, random, sys, types, warnings
    import matplotlib, numpy
    sys.modules["_nettx_pristine"] = types.SimpleNamespace(
        environ=dict(os.environ), path=list(sys.path), filters=list(warnings.filters),
        rc={k: v for k, v in matplotlib.rcParams.items() if k != "backend"},
        numpy_state=numpy.random.get_state(), random_state=random.getstate(),
        numpy_errors=numpy.geterr(),
    )
_nettx_snapshot()
del _nettx_snapshot
"""
)

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
    numpy.seterr(**pristine.numpy_errors)
    random.setstate(pristine.random_state)
_nettx_reset({directory!r})
"""


class WarmKernel:
    """One Jupyter kernel, reused for several notebooks (see the module docstring).

    :meth:`launch` starts the kernel process and queues its set-up without waiting
    for either, so that the caller can do other work meanwhile; :meth:`prepare`
    waits for them. The kernel's shell channel is the only one this object uses:
    its replies arrive whatever the kernel printed, and no heartbeat or output
    channel has to be waited for (papermill connects its own client for those).
    """

    def __init__(self, kernel_name: str, cwd: Path, *, timeout: float = 60) -> None:
        self.kernel_name = kernel_name
        self.cwd = Path(cwd)
        self.timeout = timeout
        self.km = None
        self.starts = 0
        self._client = None
        self._pending: str | None = None  # the id of the set-up request not yet answered

    def launch(self) -> None:
        """Start the kernel and queue its set-up (imports, snapshot); returns at once.

        A kernel started before (dead, or alive) is shut down first.
        """
        from jupyter_client.blocking import BlockingKernelClient
        from jupyter_core.utils import run_sync

        from nettx_utils.build.execution import ipc_kernel_manager  # (imported here: no cycle)

        self.shutdown()  # the sockets of a dead kernel, too: left to the garbage
        # collector, closing their zmq context can block for ever
        self.km = ipc_kernel_manager(self.kernel_name)  # local sockets: no TCP warning
        run_sync(self.km.start_kernel)(cwd=str(self.cwd))
        self.starts += 1
        # A blocking client with a session id of its own: its socket identity is the
        # session id, and the kernel's shell socket hands an identity over to the newest
        # connection, so sharing papermill's would route this client's requests nowhere.
        info = self.km.get_connection_info(session=True)
        info["session"].session = str(uuid.uuid4())
        self._client = BlockingKernelClient(**info)
        self._client.start_channels(iopub=False, stdin=False, hb=False, control=False)
        self._pending = self._send(_SNAPSHOT)

    def _send(self, code: str) -> str:
        """Queue ``code`` for silent execution (no output, no history, no execution count)."""
        return self._client.execute(code, silent=True, store_history=False)

    def _wait(self, msg_id: str) -> None:
        """Wait for the reply to ``msg_id``; fail when the kernel dies or times out."""
        from jupyter_core.utils import run_sync

        deadline = time.monotonic() + self.timeout
        while True:
            try:
                reply = self._client.get_shell_msg(timeout=0.5)
            except queue.Empty:
                if not run_sync(self.km.is_alive)():
                    raise NettxError(
                        f"the kernel {self.kernel_name!r} died while it was being prepared."
                    ) from None
                if time.monotonic() > deadline:
                    raise NettxError(
                        f"the kernel {self.kernel_name!r} did not answer in {self.timeout:g} s."
                    ) from None
                continue
            if reply["parent_header"].get("msg_id") == msg_id:
                break
        content = reply["content"]
        if content["status"] != "ok":
            raise NettxError(
                f"could not prepare the kernel {self.kernel_name!r}: "
                f"{content.get('ename')}: {content.get('evalue')}"
            )

    def prepare(self, directory: Path) -> None:
        """Make the kernel ready for the next notebook, executed in ``directory``."""
        from jupyter_core.utils import run_sync

        if self.km is None or not run_sync(self.km.is_alive)():
            self.launch()
        if self._pending is not None:
            pending, self._pending = self._pending, None
            self._wait(pending)
        self._wait(self._send(_RESET.format(record_env=RECORD_DIR_ENV, directory=str(directory))))

    def shutdown(self) -> None:
        """Stop the kernel (safe to call twice)."""
        from jupyter_core.utils import run_sync

        if self._client is not None:
            self._client.stop_channels()
            self._client = None
        if self.km is not None and self.km.has_kernel:
            run_sync(self.km.shutdown_kernel)(now=True)
        self.km = None
        self._pending = None
