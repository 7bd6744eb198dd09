#!/usr/bin/env bash
# What the test suite needs from the machine, checked (and supplied) before any test runs:
# Debian packages (Chromium and CJK fonts for the browser tests, nginx for the two-instance
# test) and the local PostgreSQL and Redis. `make test`, `make test-pg` and .ci/run call this.
set -euo pipefail

need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
[ -d /usr/share/fonts/opentype/noto ] || need+=(fonts-noto-cjk)
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need+=(nginx-light)
for extra in ${TEST_SETUP_EXTRA:-}; do   # e.g. TEST_SETUP_EXTRA=wrk for the benchmarks
  command -v "$extra" >/dev/null 2>&1 || need+=("$extra")
done
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "测试需要这些 Debian 软件包：${need[*]}。请先以 root 运行：" >&2
    echo "  sudo apt-get update && sudo apt-get install -y ${need[*]}" >&2
    exit 1
  fi
  echo "== 安装 ${need[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi

if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
  if [ "$(id -u)" -ne 0 ] || ! ls /etc/postgresql >/dev/null 2>&1; then
    echo "PostgreSQL（127.0.0.1:5432）没有运行，请先启动它。" >&2
    exit 1
  fi
  echo "== 启动 PostgreSQL"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start
  for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
fi
if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  if ! command -v redis-server >/dev/null 2>&1; then
    echo "Redis（127.0.0.1:6379）没有运行，也没有安装 redis-server。" >&2
    exit 1
  fi
  echo "== 启动 Redis"
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/tests.log
  for _ in $(seq 1 30); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && break; sleep 0.2; done
fi
