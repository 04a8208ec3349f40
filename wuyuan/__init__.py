"""The operator's side of wuyuan: the `wuyuan` command, local provisioning and process supervision."""

import warnings

# Provisioning imports the services (for their topology), and with them nameko and eventlet,
# whose deprecation notice is known (see the design's stack table) and not the operator's concern.
warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")
