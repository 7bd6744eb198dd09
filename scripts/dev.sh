#!/usr/bin/env bash
# `make run`: upgrade the database, start the Douyin sandbox, seed the demo, poll likes every minute, serve the site.
set -euo pipefail
cd "$(dirname "$0")/.."

SITE_PORT=${SITE_PORT:-5000}
SANDBOX_PORT=${SANDBOX_PORT:-5001}
export CONTEST_DOUYIN_SANDBOX_URL=${CONTEST_DOUYIN_SANDBOX_URL:-http://127.0.0.1:${SANDBOX_PORT}}
FLASK=".venv/bin/flask --app contest"

$FLASK db upgrade

$FLASK douyin-sandbox --host 127.0.0.1 --port "$SANDBOX_PORT" > instance/sandbox.log 2>&1 &
SANDBOX_PID=$!
POLLER_PID=""
trap 'kill $SANDBOX_PID $POLLER_PID 2>/dev/null || true' EXIT INT TERM

for _ in $(seq 1 50); do
  if .venv/bin/python -c "import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=1)" \
       "$CONTEST_DOUYIN_SANDBOX_URL/__sandbox__/clock" 2>/dev/null; then
    break
  fi
  sleep 0.2
done

$FLASK seed-demo
# The demo videos' likes grow with the sandbox clock: a sweep a minute keeps the board moving.
$FLASK poll-likes --loop --every 1m > instance/poller.log 2>&1 &
POLLER_PID=$!
echo
echo "站点：      http://127.0.0.1:${SITE_PORT}/"
echo "抖音沙盒：  ${CONTEST_DOUYIN_SANDBOX_URL}/__sandbox__/state   （日志：instance/sandbox.log）"
echo "点赞轮询：  每分钟一次（日志：instance/poller.log）"
echo "结果日：    另开一个终端运行 $FLASK seed-demo --phase notice（公示）或 --phase published（公布），见 docs/demo.md"
echo "按 Ctrl+C 停止。"
echo
$FLASK run --host 127.0.0.1 --port "$SITE_PORT"
