"""What the operating system said about a file or folder, as operators read it (its own words are English)."""

import errno

_WORDS = {
    errno.ENOENT: "路径不存在",
    errno.EACCES: "没有权限",
    errno.EPERM: "不允许",
    errno.EROFS: "所在文件系统只读",
    errno.ENOSPC: "磁盘空间不足",
    errno.ENOTDIR: "路径中有一项不是目录",
    errno.EISDIR: "这是目录，不是文件",
    errno.EEXIST: "已存在同名的文件或目录",
}


def os_error_words(error: OSError | UnicodeDecodeError) -> str:
    if isinstance(error, UnicodeDecodeError):
        return "内容不是 UTF-8 文本"
    return _WORDS.get(error.errno or 0, f"系统错误（errno {error.errno}）")
