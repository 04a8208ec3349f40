# nameko.testing: test helpers (see services).
