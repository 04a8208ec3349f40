"""Reading a file an operator names, and what the operating system said about it, as operators read it (its own
words are English)."""

import errno
from pathlib import Path

_WORDS = {
    errno.ENOENT: "路径不存在",
    errno.EACCES: "没有权限",
    errno.EPERM: "不允许",
    errno.EROFS: "所在文件系统只读",
    errno.ENOSPC: "磁盘空间不足",
    errno.ENOTDIR: "路径中有一项不是目录",
    errno.EISDIR: "这是目录，不是文件",
    errno.EEXIST: "已存在同名的文件或目录",
    errno.EFBIG: "文件过大",
    errno.EIO: "读写出错（磁盘或设备故障）",
    errno.ENAMETOOLONG: "路径太长",
    errno.ELOOP: "符号链接层数过多（可能成环）",
}


def read_limited(path: Path, limit: int) -> bytes:
    """The file's bytes, or OSError EFBIG when it holds more than `limit`: never more than that is read, so a path to a
    device or a pipe that never ends (/dev/zero, /dev/stdin fed by `yes`) is refused instead of filling the memory."""
    with path.open("rb") as handle:
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise OSError(errno.EFBIG, f"文件过大（超过 {limit} 字节）", str(path))
    return data


def os_error_words(error: OSError | UnicodeDecodeError) -> str:
    if isinstance(error, UnicodeDecodeError):
        return "内容不是 UTF-8 文本"
    if error.errno == errno.EFBIG and error.strerror:  # read_limited's refusal, with its bound
        return error.strerror
    return _WORDS.get(error.errno or 0, f"系统错误（errno {error.errno}）")
