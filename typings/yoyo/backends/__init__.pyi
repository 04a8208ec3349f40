# yoyo.backends: the database backends (see base).
from yoyo.backends.base import DatabaseBackend as DatabaseBackend
