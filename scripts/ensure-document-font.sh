#!/usr/bin/env bash
# Makes sure a Chinese TrueType font is installed for supervision's PDFs (提醒函, 督办函, 通报): `wuyuan up` sets
# WUYUAN_DOCUMENT_FONT to the first of wuyuan/settings.py's DOCUMENT_FONTS it finds, and supervision embeds what
# each letter uses of it, so the letters print alike on a machine without Chinese fonts. Installs Debian's
# fonts-arphic-uming (AR PL UMing, a Song face with TrueType outlines, as the image has) when none is there.
# Safe to run again; WUYUAN_DOCUMENT_FONT set (even empty) means the operator chose, and nothing is installed.
set -euo pipefail

say() { printf '%s\n' "$*"; }
die() { printf '错误：%s\n' "$*" >&2; exit 1; }
have() { command -v "$1" >/dev/null 2>&1; }

if [[ -n ${WUYUAN_DOCUMENT_FONT+set} ]]; then
    say "documents' font: ${WUYUAN_DOCUMENT_FONT:-none, the PDFs name STSong-Light} (WUYUAN_DOCUMENT_FONT)"
    exit 0
fi

# Keep in step with DOCUMENT_FONTS in wuyuan/settings.py.
fonts=(
    /usr/share/fonts/truetype/arphic/uming.ttc
    /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc
    /usr/share/fonts/truetype/wqy/wqy-microhei.ttc
)
for font in "${fonts[@]}"; do
    if [[ -f $font ]]; then
        say "documents' font: $font"
        exit 0
    fi
done

package=fonts-arphic-uming
have apt-get || die "没有中文 TrueType 字体，且本机不是 Debian/Ubuntu：请安装 AR PL UMing（$package）或设置 WUYUAN_DOCUMENT_FONT 为一个 .ttf/.ttc 字体后重试"
if ((EUID == 0)); then
    as_root=()
elif have sudo; then
    as_root=(sudo)
else
    die "安装 $package 需要 root 权限：请以 root 运行 apt-get update && apt-get install -y $package"
fi
say "documents' font: installing $package (Debian package)"
"${as_root[@]}" apt-get update
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$package"
[[ -f ${fonts[0]} ]] || die "$package 已安装，但没有 ${fonts[0]}"
say "documents' font: ${fonts[0]}"
