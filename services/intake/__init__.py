"""信息收集组: the centre's one window for every channel."""
