"""The common library every wuyuan service builds on: contracts, messaging, persistence, telemetry, config."""
