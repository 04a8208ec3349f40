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
die() { printf 'error: %s\n' "$*" >&2; exit 1; }
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
        say "error: $1 is not running and this is not a Debian/Ubuntu machine, so it is not installed here."
        say "Install and start, then run $0 again:"
        say "  - RabbitMQ 3.10 or newer on 127.0.0.1:5672 (user guest/guest), with the management plugin:"
        say "      rabbitmq-plugins enable rabbitmq_management   (API on 127.0.0.1:15672)"
        say "  - PostgreSQL 13 or newer on 127.0.0.1:5432, where user postgres may connect from 127.0.0.1"
        say "Or point WUYUAN_AMQP_ADMIN_URI, WUYUAN_RABBIT_MANAGEMENT_URL and WUYUAN_PG_ADMIN_URL at running ones."
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
            die "rabbitmq: nothing answers at $host:$port (WUYUAN_AMQP_ADMIN_URI); start that broker or point the variable at a running one"
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
            say "rabbitmq: starting"
            rabbitmq-server -detached || true
        fi
        wait_for "$TIMEOUT" amqp_answers "$host" "$port" ||
            die "rabbitmq: did not come up on $host:$port within ${TIMEOUT}s; see /var/log/rabbitmq/"
    fi

    if ! management_answers "$mhost" "$mport"; then
        if ! is_local "$mhost" || ! is_local "$host" || [[ $mport != 15672 ]]; then
            die "rabbitmq: the management API does not answer at $mhost:$mport (WUYUAN_RABBIT_MANAGEMENT_URL); enable rabbitmq_management on that broker"
        fi
        as_root_or_note "rabbitmq-plugins enable rabbitmq_management" || return 0
        say "rabbitmq: enabling the management plugin"
        output=$(rabbitmq-plugins enable rabbitmq_management 2>&1) ||
            die "rabbitmq: could not enable the management plugin:"$'\n'"$output"
        wait_for "$TIMEOUT" management_answers "$mhost" "$mport" ||
            die "rabbitmq: the management API did not answer on $mhost:$mport within ${TIMEOUT}s"
    fi
    say "rabbitmq: ready at $host:$port (management :$mport)"
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
            die "postgresql: nothing answers at $host:$port (WUYUAN_PG_ADMIN_URL); start that server or point the variable at a running one"
        fi
        if ! have pg_ctlcluster || [[ -z $(postgres_version) ]]; then
            require_debian PostgreSQL
            as_root_or_note "apt-get update" "apt-get install -y postgresql" \
                'pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start' || return 0
            apt_install postgresql
            PG_INSTALLED_NOW=1
        fi
        version=$(postgres_version)
        [[ -n $version ]] || die "postgresql: installed, but no cluster under /etc/postgresql (create one with pg_createcluster)"
        if ! pg_ready "$host" "$port"; then
            as_root_or_note "pg_ctlcluster --skip-systemctl-redirect $version main start" || return 0
            say "postgresql: starting cluster $version/main"
            pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
        fi
        wait_for "$TIMEOUT" pg_ready "$host" "$port" ||
            die "postgresql: did not come up on $host:$port within ${TIMEOUT}s; see /var/log/postgresql/"
    fi
    check_postgres_login "$host" "$port"
    say "postgresql: ready at $host:$port"
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
        say "postgresql: letting the local postgres user connect from loopback without a password ($hba)"
        eval "$trust"
        $reload
        output=$(PGCONNECT_TIMEOUT=5 psql "$PG_URL" -XqtAc 'SELECT 1' 2>&1) && return 0
    fi
    {
        say "error: postgresql answers at $host:$port but refuses WUYUAN_PG_ADMIN_URL:"
        say "$output"
        say "Give that user a password and put it in WUYUAN_PG_ADMIN_URL, or allow it in pg_hba.conf"
        if is_local "$host" && [[ -n $version ]]; then
            say "(for a local development cluster, as root:"
            say "  $trust"
            say "  $reload )"
        fi
    } >&2
    exit 1
}

ensure_rabbitmq
ensure_postgresql

if ((${#SUDO_COMMANDS[@]} > 0)); then
    {
        say "error: RabbitMQ or PostgreSQL must be installed or started, which needs root. Run:"
        for command in "${SUDO_COMMANDS[@]}"; do say "  sudo $command"; done
        say "then run $0 again."
    } >&2
    exit 1
fi
