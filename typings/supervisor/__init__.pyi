# supervisor: supervisord's client transport and its configuration parser (see xmlrpc, options).
