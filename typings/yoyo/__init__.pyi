# yoyo (yoyo-migrations): reading migration files and opening a database backend for them.
from yoyo.connections import get_backend as get_backend
from yoyo.migrations import read_migrations as read_migrations
