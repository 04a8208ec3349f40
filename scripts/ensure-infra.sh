#!/usr/bin/env bash
# Makes sure RabbitMQ (with its management API) and PostgreSQL answer where wuyuan expects them,
# installing and starting local ones on Debian/Ubuntu when they are missing. Safe to run again.
#
# Addresses come from WUYUAN_AMQP_ADMIN_URI, WUYUAN_RABBIT_MANAGEMENT_URL and WUYUAN_PG_ADMIN_URL
# (defaults 127.0.0.1:5672, :15672 and :5432). Only a broker or database on the local default
# port is installed or started here; anything else must already be running.
set -euo pipefail

AMQP_URI=${WUYUAN_AMQP_ADMIN_URI:-amqp://guest:guest@127.0.0.1:5672/}
MANAGEMENT_URL=${WUYUAN_RABBIT_MANAGEMENT_URL:-http://guest:guest@127.0.0.1:15672}
PG_URL=${WUYUAN_PG_ADMIN_URL:-postgresql://postgres@127.0.0.1:5432/postgres}
TIMEOUT=${WUYUAN_INFRA_TIMEOUT:-120}   # seconds to wait for each component to come up

# Debian keeps the RabbitMQ and PostgreSQL tools in sbin and versioned directories.
PATH=$PATH:/usr/sbin:/sbin
APT_UPDATED=0
PG_INSTALLED_NOW=0

say() { printf '%s\n' "$*"; }
die() { printf '错误：%s\n' "$*" >&2; exit 1; }
have() { command -v "$1" >/dev/null 2>&1; }

# Prints "HOST PORT" of a URL such as scheme://user:pass@host:port/path.
host_port() {
    local rest=${1#*://} default=$2 host port
    rest=${rest%%[/?#]*}
    rest=${rest##*@}
    if [[ $rest == \[* ]]; then            # [::1]:5672
        host=${rest%%]*}; host=${host#[}
        port=${rest#*]}; port=${port#:}
    elif [[ $rest == *:* ]]; then
        host=${rest%%:*}; port=${rest##*:}
    else
        host=$rest; port=
    fi
    printf '%s %s\n' "${host:-127.0.0.1}" "${port:-$default}"
}

is_local() { [[ $1 == localhost || $1 == ::1 || $1 == 127.* ]]; }

tcp_open() { timeout 3 bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$1" "$2" 2>/dev/null; }

# Whether an AMQP 0-9-1 broker answers: it replies to the protocol header with a Connection.Start
# frame (type 1). A bare open port is not enough: proxies and other servers accept connections too.
amqp_answers() {
    local first
    first=$(timeout 3 bash -c '
        exec 3<>"/dev/tcp/$0/$1" || exit 1
        printf "AMQP\x00\x00\x09\x01" >&3
        head -c 1 <&3 | od -An -tx1' "$1" "$2" 2>/dev/null) || return 1
    [[ ${first// /} == 01 ]]
}

# Whether the RabbitMQ management API answers: without credentials it asks for its own realm.
management_answers() {
    local response
    response=$(timeout 5 bash -c '
        exec 3<>"/dev/tcp/$0/$1" || exit 1
        printf "GET /api/overview HTTP/1.0\r\nHost: %s\r\nConnection: close\r\n\r\n" "$0" >&3
        cat <&3' "$1" "$2" 2>/dev/null) || return 1
    [[ ${response,,} == *'realm="rabbitmq management"'* ]]
}

pg_ready() {
    if have pg_isready; then
        pg_isready -q -h "$1" -p "$2" -t 3
    else
        tcp_open "$1" "$2"
    fi
}

# wait_for SECONDS COMMAND...: retry COMMAND once a second until it succeeds or time runs out.
wait_for() {
    local deadline=$((SECONDS + $1))
    shift
    until "$@"; do
        ((SECONDS < deadline)) || return 1
        sleep 1
    done
}

# Installing, starting and configuring need root. Without it, the commands are collected and
# printed at the end, so the user can run them all with sudo and then run this script again.
SUDO_COMMANDS=()
as_root_or_note() {
    ((EUID == 0)) && return 0
    local command known
    for command in "$@"; do
        for known in "${SUDO_COMMANDS[@]}"; do [[ $known == "$command" ]] && continue 2; done
        SUDO_COMMANDS+=("$command")
    done
    return 1
}

require_debian() {
    have apt-get && return 0
    {
        say "错误：$1 没有运行，而本机不是 Debian/Ubuntu，无法在此自动安装。"
        say "请安装并启动以下服务，再运行 $0："
        say "  - RabbitMQ 3.10 或更新版本，监听 127.0.0.1:5672（用户 guest/guest），并启用管理插件："
        say "      rabbitmq-plugins enable rabbitmq_management   （管理接口在 127.0.0.1:15672）"
        say "  - PostgreSQL 13 或更新版本，监听 127.0.0.1:5432，允许用户 postgres 从 127.0.0.1 连接"
        say "或者把 WUYUAN_AMQP_ADMIN_URI、WUYUAN_RABBIT_MANAGEMENT_URL 和 WUYUAN_PG_ADMIN_URL 指向已在运行的服务。"
    } >&2
    exit 1
}

apt_install() {
    if ((APT_UPDATED == 0)); then
        apt-get update
        APT_UPDATED=1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@"
}

ensure_rabbitmq() {
    local host port mhost mport output
    read -r host port < <(host_port "$AMQP_URI" 5672)
    read -r mhost mport < <(host_port "$MANAGEMENT_URL" 15672)

    if ! amqp_answers "$host" "$port"; then
        if ! is_local "$host" || [[ $port != 5672 ]]; then
            die "rabbitmq：$host:$port（WUYUAN_AMQP_ADMIN_URI）无应答；请启动该消息服务器，或把该变量指向正在运行的服务器"
        fi
        if ! have rabbitmq-server; then
            require_debian RabbitMQ
            as_root_or_note "apt-get update" "apt-get install -y rabbitmq-server" \
                "rabbitmq-server -detached" "rabbitmq-plugins enable rabbitmq_management" || return 0
            apt_install rabbitmq-server
        fi
        # The package may have started it already; a second start just fails, which is harmless.
        if ! amqp_answers "$host" "$port"; then
            as_root_or_note "rabbitmq-server -detached" "rabbitmq-plugins enable rabbitmq_management" || return 0
            say "rabbitmq：正在启动"
            rabbitmq-server -detached || true
        fi
        wait_for "$TIMEOUT" amqp_answers "$host" "$port" ||
            die "rabbitmq：${TIMEOUT} 秒内未在 $host:$port 启动；见 /var/log/rabbitmq/"
    fi

    if ! management_answers "$mhost" "$mport"; then
        if ! is_local "$mhost" || ! is_local "$host" || [[ $mport != 15672 ]]; then
            die "rabbitmq：管理接口 $mhost:$mport（WUYUAN_RABBIT_MANAGEMENT_URL）无应答；请在该服务器上启用 rabbitmq_management"
        fi
        as_root_or_note "rabbitmq-plugins enable rabbitmq_management" || return 0
        say "rabbitmq：正在启用管理插件"
        output=$(rabbitmq-plugins enable rabbitmq_management 2>&1) ||
            die "rabbitmq：无法启用管理插件："$'\n'"$output"
        wait_for "$TIMEOUT" management_answers "$mhost" "$mport" ||
            die "rabbitmq：${TIMEOUT} 秒内管理接口 $mhost:$mport 仍无应答"
    fi
    say "rabbitmq：已就绪，$host:$port（管理接口 :$mport）"
}

postgres_version() {
    # The newest installed cluster configuration, e.g. 15.
    ls /etc/postgresql 2>/dev/null | sort -V | tail -n 1
}

ensure_postgresql() {
    local host port version
    read -r host port < <(host_port "$PG_URL" 5432)

    if ! pg_ready "$host" "$port"; then
        if ! is_local "$host" || [[ $port != 5432 ]]; then
            die "postgresql：$host:$port（WUYUAN_PG_ADMIN_URL）无应答；请启动该数据库服务器，或把该变量指向正在运行的服务器"
        fi
        if ! have pg_ctlcluster || [[ -z $(postgres_version) ]]; then
            require_debian PostgreSQL
            as_root_or_note "apt-get update" "apt-get install -y postgresql" \
                'pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start' || return 0
            apt_install postgresql
            PG_INSTALLED_NOW=1
        fi
        version=$(postgres_version)
        [[ -n $version ]] || die "postgresql：已安装，但 /etc/postgresql 下没有数据库集群（用 pg_createcluster 创建）"
        if ! pg_ready "$host" "$port"; then
            as_root_or_note "pg_ctlcluster --skip-systemctl-redirect $version main start" || return 0
            say "postgresql：正在启动集群 $version/main"
            pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
        fi
        wait_for "$TIMEOUT" pg_ready "$host" "$port" ||
            die "postgresql：${TIMEOUT} 秒内未在 $host:$port 启动；见 /var/log/postgresql/"
    fi
    check_postgres_login "$host" "$port"
    say "postgresql：已就绪，$host:$port"
}

# A fresh Debian cluster asks for a password over TCP, which the default URL does not carry:
# a cluster installed by this run lets the local postgres user in from loopback instead.
check_postgres_login() {
    local host=$1 port=$2 version hba output trust reload
    have psql || return 0
    output=$(PGCONNECT_TIMEOUT=5 psql "$PG_URL" -XqtAc 'SELECT 1' 2>&1) && return 0
    version=$(postgres_version)
    hba=/etc/postgresql/$version/main/pg_hba.conf
    trust="sed -i '1i host all postgres 127.0.0.1/32 trust\\nhost all postgres ::1/128 trust' $hba"
    reload="pg_ctlcluster --skip-systemctl-redirect $version main reload"
    if ((PG_INSTALLED_NOW == 1)) && [[ $output == *"authentication failed"* || $output == *"no password supplied"* ]]; then
        say "postgresql：允许本机 postgres 用户从回环地址免密码连接（$hba）"
        eval "$trust"
        $reload
        output=$(PGCONNECT_TIMEOUT=5 psql "$PG_URL" -XqtAc 'SELECT 1' 2>&1) && return 0
    fi
    {
        say "错误：postgresql 在 $host:$port 有应答，但拒绝了 WUYUAN_PG_ADMIN_URL："
        say "$output"
        say "请给该用户设置密码并写入 WUYUAN_PG_ADMIN_URL，或在 pg_hba.conf 中允许它连接"
        if is_local "$host" && [[ -n $version ]]; then
            say "（本机开发用的集群，可以 root 身份运行："
            say "  $trust"
            say "  $reload ）"
        fi
    } >&2
    exit 1
}

ensure_rabbitmq
ensure_postgresql

if ((${#SUDO_COMMANDS[@]} > 0)); then
    {
        say "错误：需要安装或启动 RabbitMQ 或 PostgreSQL，这需要 root 权限。请运行："
        for command in "${SUDO_COMMANDS[@]}"; do say "  sudo $command"; done
        say "然后再运行 $0。"
    } >&2
    exit 1
fi
