# eventlet: monkey-patching and spawning green threads.
from eventlet import greenpool as greenpool
from eventlet import greenthread as greenthread
from eventlet import patcher as patcher
from eventlet.greenpool import GreenPool as GreenPool
from eventlet.greenthread import spawn as spawn
from eventlet.greenthread import spawn_n as spawn_n
from eventlet.patcher import monkey_patch as monkey_patch
