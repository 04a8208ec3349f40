"""The operator's side of wuyuan: the `wuyuan` command, local provisioning and process supervision."""
