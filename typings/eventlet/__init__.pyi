# eventlet: monkey-patching and spawning green threads.
from eventlet import greenpool as greenpool
from eventlet import greenthread as greenthread
from eventlet import patcher as patcher
from eventlet import timeout as timeout
from eventlet import tpool as tpool
from eventlet import wsgi as wsgi
from eventlet.greenpool import GreenPool as GreenPool
from eventlet.greenthread import sleep as sleep
from eventlet.greenthread import spawn as spawn
from eventlet.greenthread import spawn_n as spawn_n
from eventlet.patcher import monkey_patch as monkey_patch
from eventlet.timeout import Timeout as Timeout
