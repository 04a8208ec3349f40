# nameko.web: the HTTP entrypoint package (see handlers).
