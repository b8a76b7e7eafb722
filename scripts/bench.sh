#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The benchmark of issue 6: builds natively (RelWithDebInfo) and prints
# six groups of figures (group 6, screenshot encode, from issue 13), every comparison a ratio measured in the same
# run (docs/performance.md explains the method). No pass/fail.
#   scripts/bench.sh [--quick] [--json] [--no-wine] [--wine-shot]
#   --quick    a reduced run (fewer rounds, fewer clients; under a minute
#              once the Wine prefix exists)
#   --json     end with one JSON object (the figures, for tooling)
#   --no-wine  leave out group 5 (Wine) and the win64 build it needs
#   --wine-shot only group 5's 4K screenshot (with its breakdown)
#   SB_BENCH_WIN_BASE=DIR  also run the 4K screenshot with the Windows
#              binaries in DIR (sbservice/sbagent/sbctl of another build,
#              in a folder only its owner may write: the service checks,
#              "before"), alternating round by round with build/win64's
#              in the same run window: a before/after on a loaded machine
#   SB_BENCH_SHOT_RUNS=N  rounds of the 4K screenshot (default 3)
# Installs what it needs (apt-get, as root, only what is missing): libdbus
# headers and dbus-daemon for group 2, gnuplot for the plot. Writes the
# latency CDF plot to docs/performance-rtt-cdf.png.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

QUICK= JSON= WINE=1 SHOT_ONLY=
for a in "$@"; do
  case $a in
    --quick) QUICK=--quick ;;
    --json) JSON=1 ;;
    --no-wine) WINE= ;;
    --wine-shot) SHOT_ONLY=1 ;;
    *) echo "usage: scripts/bench.sh [--quick] [--json] [--no-wine] [--wine-shot]" >&2; exit 2 ;;
  esac
done

# ---- dependencies (idempotent: dpkg first, like install-deps.sh) ----
"$SB_ROOT/scripts/install-deps.sh" >&2
need=()
for p in pkg-config libdbus-1-dev dbus-daemon gnuplot-nox imagemagick; do
  dpkg -s "$p" >/dev/null 2>&1 || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    sb_log "missing ${need[*]} (run as root to install them); going on without"
  else
    sb_log "installing ${need[*]}"
    apt-get install -y "${need[@]}" >&2 || { apt-get update >&2 && apt-get install -y "${need[@]}" >&2; }
  fi
fi

# ---- build ----
BUILD=${SB_BENCH_BUILD:-$SB_BUILD/bench}
# (--wine-shot needs only the Windows binaries.)
[ -n "$SHOT_ONLY" ] || sb_configure_native "$BUILD" -DSB_BENCH=ON
BIN=$BUILD/bin
# Group 5 runs the Windows binaries: build them too (incremental; the
# first time on a machine this cross-builds the dependencies, minutes),
# so a fresh clone measures what it holds, not a stale or missing build.
if [ -n "$WINE" ]; then
  sb_configure_win "$SB_BUILD/win64" || { sb_log "win64 build failed: group 5 left out"; WINE=; }
fi

TMP=$(mktemp -d)
DBUS_PID=
cleanup() {
  [ -n "$DBUS_PID" ] && kill "$DBUS_PID" 2>/dev/null || true
  if [ -n "${WINEPREFIX:-}" ]; then
    wine "$WIN_BIN/sbservice.exe" stop >/dev/null 2>&1 || true
    wine "$WIN_BIN/sbservice.exe" uninstall >/dev/null 2>&1 || true
    sb_wine_stop
  fi
  rm -rf "$TMP"
}
trap cleanup EXIT

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), kernel $(uname -r)"
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg) (a shared machine: figures are medians of interleaved runs)"

RESULT='{"wine_shot_only": true}'
# ---- groups 1-4: sbbench, with a private D-Bus session bus for group 2 ----
if [ -n "$SHOT_ONLY" ]; then
  :
elif command -v dbus-daemon >/dev/null && [ -x "$BIN/sbbench-dbus-echo" ]; then
  dbus-daemon --session --nofork --print-address=3 3>"$TMP/bus" >/dev/null 2>&1 &
  DBUS_PID=$!
  for _ in $(seq 1 50); do [ -s "$TMP/bus" ] && break; sleep 0.1; done
  export DBUS_SESSION_BUS_ADDRESS=$(head -n1 "$TMP/bus")
  "$BIN/sbbench-dbus-echo" &
else
  sb_log "no dbus-daemon or libdbus: group 2 left out"
  unset DBUS_SESSION_BUS_ADDRESS
fi
if [ -z "$SHOT_ONLY" ]; then
  "$BIN/sbbench" $QUICK --json --cdf "$TMP/cdf.dat" >"$TMP/out"
  head -n -1 "$TMP/out" # the tables; the JSON line is merged below
  RESULT=$(tail -n1 "$TMP/out")
fi

# ---- the plot: 64 B latency CDF, ours vs raw vs D-Bus ----
if [ -n "$SHOT_ONLY" ]; then
  :
elif command -v gnuplot >/dev/null; then
  gnuplot <<EOF
set terminal pngcairo size 900,560 noenhanced
set output "$SB_ROOT/docs/performance-rtt-cdf.png"
set title "Round trip of a 64 B ping, CDF (same run, interleaved)"
set xlabel "round trip (us, log scale)"
set ylabel "percentile"
set logscale x
set grid
set key bottom right
plot "$TMP/cdf.dat" using 2:1 with lines lw 2 title "sessionbridge (sb_rpc, authenticated)", \
     "$TMP/cdf.dat" using 3:1 with lines lw 2 title "raw Unix socket (no framing, no crypto)", \
     "$TMP/cdf.dat" using 4:1 with lines lw 2 title "D-Bus method call (private dbus-daemon)"
EOF
  echo "plot: docs/performance-rtt-cdf.png"
else
  sb_log "no gnuplot: no plot"
fi

# ---- group 6: screenshot encode (agent/core/png.c), native ----
# A photo-like 3840x2160 desktop, as the issue that brought this group in
# measured it: ImageMagick's plasma:fractal (seeded, so every run encodes
# the same pixels), blurred. The flat desktop is drawn by sbbench-shot.
# Each picture is also encoded through a sink of 512 KiB pieces (as the
# agent sends a screenshot while it encodes), with the time to the first
# piece and the peak memory with a sink.
SHOT_JSON='"shot_encode_ms_4k_photo": null'
if [ -n "$SHOT_ONLY" ]; then
  :
elif command -v convert >/dev/null && [ -x "$BIN/sbbench-shot" ]; then
  convert -seed 1 -size 3840x2160 plasma:fractal -blur 0x2 -depth 8 \
    "bgra:$TMP/photo.bgra"
  "$BIN/sbbench-shot" "$TMP/photo.bgra" $QUICK --json --plot "$TMP/shot.dat" \
    >"$TMP/shot.out"
  head -n -1 "$TMP/shot.out"
  SHOT_JSON=$(tail -n1 "$TMP/shot.out" | sed -e 's/^{//' -e 's/}$//')
  if command -v gnuplot >/dev/null; then
    SB_SHOT_DAT="$TMP/shot.dat" SB_SHOT_PNG="$SB_ROOT/docs/performance-shot-encode.png" \
      gnuplot "$SB_ROOT/scripts/plot-shot-encode.gp"
    echo "plot: docs/performance-shot-encode.png"
  fi
else
  echo
  echo "6. screenshot encode: left out (no ImageMagick convert or no sbbench-shot)"
fi

# ---- group 5: Wine, the real named-pipe path (trend figures) ----
WINE_JSON='"wine_agent_connected_ms": null, "wine_ping_rtt_us": null, "wine_shot_ms_4k_photo": null'
WIN_BIN=$SB_BUILD/win64/bin
if [ -n "$WINE" ] && command -v wine >/dev/null && [ -x "$WIN_BIN/sbservice.exe" ]; then
  # Our own prefix: other runs (tests/e2e/service_wine.sh) install the
  # same service name in theirs.
  export WINEPREFIX_SB=${WINEPREFIX_SB:-$SB_BUILD/wineprefix-bench}
  sb_wine_start
  # A Wine hiccup must not end the run: the group then reports what it got.
  W() { timeout 60 wine "$@" </dev/null 2>/dev/null | tr -d '\r' || true; }
  connected() {
    W "$WIN_BIN/sbctl.exe" sessions |
      awk '$1 == 1 && $2 == "connected" { f = 1 } END { exit !f }'
  }
  W "$WIN_BIN/sbservice.exe" uninstall >/dev/null 2>&1 || true
  if [ -z "$SHOT_ONLY" ]; then
  W "$WIN_BIN/sbservice.exe" install >/dev/null
  t0=$(date +%s%N)
  W "$WIN_BIN/sbservice.exe" start >/dev/null
  conn_ms=
  for _ in $(seq 1 100); do
    if connected; then conn_ms=$(( ($(date +%s%N) - t0) / 1000000 )); break; fi
  done
  # Ping round trip: one sbctl raw run with 1 ping and one with N+1, the
  # difference over N (takes out Wine's process start and the handshake).
  N=100
  scen() { # count file
    { echo handshake
      for _ in $(seq 1 "$1"); do
        # No id: the harness numbers requests 1, 3, 5...; reusing one is a
        # protocol violation the service may close the connection for.
        echo "send request ping payload=$(printf '5a%.0s' $(seq 1 64))"
        echo "expect-response ping"
      done; } >"$2"
  }
  scen 1 "$WINEPREFIX/drive_c/sbbench-1.sb"
  scen $((N + 1)) "$WINEPREFIX/drive_c/sbbench-n.sb"
  runs=$([ -n "$QUICK" ] && echo 1 || echo 3)
  diffs=()
  for _ in $(seq 1 "$runs"); do
    a=$(date +%s%N); W "$WIN_BIN/sbctl.exe" raw 'C:\sbbench-1.sb' >/dev/null; b=$(date +%s%N)
    # sbctl raw exits 0 only when every expect held: a run that failed
    # early would make a meaningless difference.
    if timeout 120 wine "$WIN_BIN/sbctl.exe" raw 'C:\sbbench-n.sb' </dev/null >/dev/null 2>&1; then
      c=$(date +%s%N)
      diffs+=($(( ((c - b) - (b - a)) / N / 1000 )))
    else
      sb_log "wine: the $N-ping raw run failed"
    fi
  done
  rtt_us=$(printf '%s\n' "${diffs[@]:-}" | grep . | sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}') || true
  echo
  echo "5. Wine (real named pipes, build/win64 binaries; trend figures)"
  printf '   %-44s %8s\n' "service start -> agent connected (ms)" "${conn_ms:-never}"
  printf '   %-44s %8s   (median of %d, %d pings each)\n' "ping round trip via control pipe + agent (us)" "$rtt_us" "$runs" "$N"
  WINE_JSON="\"wine_agent_connected_ms\": ${conn_ms:-null}, \"wine_ping_rtt_us\": ${rtt_us:-null}"
  W "$WIN_BIN/sbservice.exe" stop >/dev/null || true
  W "$WIN_BIN/sbservice.exe" uninstall >/dev/null || true
  else
    WINE_JSON='"wine_agent_connected_ms": null, "wine_ping_rtt_us": null'
  fi

  # A 4K screenshot under Wine (issue 13): a fresh Xvfb of 3840x2160 with
  # group 6's photo-like picture as the root window's background, then
  # `sbctl screenshot` minus `sbctl ping` in the same run (the difference
  # takes out Wine's process start and the connection), median of 3.
  # With SB_BENCH_WIN_BASE, the base build's binaries take every other
  # round (each round installs and starts its own service), so the two
  # are measured under the same load.
  sb_wine_stop
  sb_wine_start 3840x2160x24
  shot_ms= SHOT_PARTS=
  [ -f "$TMP/photo.bgra" ] ||
    convert -seed 1 -size 3840x2160 plasma:fractal -blur 0x2 -depth 8 "bgra:$TMP/photo.bgra"
  use_bin() { # DIR: install and start that build's service, wait for its agent
    W "$CUR_BIN/sbservice.exe" stop >/dev/null 2>&1 || true
    W "$CUR_BIN/sbservice.exe" uninstall >/dev/null 2>&1 || true
    CUR_BIN=$1
    W "$CUR_BIN/sbservice.exe" install >/dev/null
    W "$CUR_BIN/sbservice.exe" start >/dev/null
    for _ in $(seq 1 100); do
      W "$CUR_BIN/sbctl.exe" sessions |
        awk '$1 == 1 && $2 == "connected" { f = 1 } END { exit !f }' && break
    done
    W "$CUR_BIN/sbctl.exe" ping --session 1 >/dev/null
    # The root is painted once the agent is up (again for each service:
    # Wine's desktop process, started with the first window call, paints
    # the root black when it starts). display sets the root's background
    # and exits (with status 1 under a bare Xvfb), so each capture's
    # corner is compared with the picture instead.
    display -window root "$TMP/photo.png" >/dev/null 2>&1 || true
  }
  convert -size 3840x2160 -depth 8 "bgra:$TMP/photo.bgra" -alpha off "$TMP/photo.png" &&
    convert "$TMP/photo.png" -crop 64x64+0+0 +repage "$TMP/corner.png"
  CUR_BIN=$WIN_BIN
  use_bin "$WIN_BIN"
  corner_diff() { # PNG: pixels of its top-left 64x64 that differ from the photo's
    convert "$1" -crop 64x64+0+0 +repage "$TMP/c.png" 2>/dev/null &&
      compare -metric AE "$TMP/c.png" "$TMP/corner.png" null: 2>&1 | cut -d' ' -f1
  }
  # One round with the service of $CUR_BIN: ping, screenshot; appends the
  # difference to $TMP/diffs.TAG and the breakdown to $TMP/parts.TAG.
  shot_round() { # TAG
    rm -f "$WINEPREFIX/drive_c/sbshot.png"
    a=$(date +%s%N); W "$CUR_BIN/sbctl.exe" ping --session 1 >/dev/null; b=$(date +%s%N)
    SBCTL_TIMING=1 timeout 60 wine "$CUR_BIN/sbctl.exe" screenshot --session 1 \
      -o 'C:\sbshot.png' </dev/null 2>"$TMP/ctl.err" >/dev/null || true
    c=$(date +%s%N)
    # Where the time goes: the agent logs one line per screenshot (capture,
    # filter+deflate, finish, the send to the service) in the user's temp
    # folder, and sbctl prints its own part with SBCTL_TIMING set.
    agent_line=$(find "$WINEPREFIX/drive_c/users" -name 'sbagent-*.log' \
      -exec grep -h 'screenshot 3840x2160:' {} + 2>/dev/null | tail -n1 || true)
    ctl_line=$(tr -d '\r' <"$TMP/ctl.err" | grep -m1 '^sbctl timing:' || true)
    # capture filter+deflate finish sent | connect answered written
    printf '%s | %s\n' "$agent_line" "$ctl_line" |
      sed -E 's/.*capture ([0-9]+) ms, filter\+deflate ([0-9]+) ms, finish ([0-9]+) ms, PNG [0-9]+ bytes, sent in ([0-9]+) ms.*connect ([0-9]+) ms, screenshot answered ([0-9]+) ms, file written ([0-9]+) ms.*/\1 \2 \3 \4 \5 \6 \7/;t;d' \
      >>"$TMP/parts.$1"
    # Only a whole 4K PNG of the picture counts: a failed or black
    # capture is quick and meaningless.
    got=$(identify -format '%wx%h' "$WINEPREFIX/drive_c/sbshot.png" 2>/dev/null || true)
    if [ "$got" = 3840x2160 ] && [ "$(corner_diff "$WINEPREFIX/drive_c/sbshot.png")" = 0 ]; then
      echo $(( ((c - b) - (b - a)) / 1000000 )) >>"$TMP/diffs.$1"
      sizes=$(stat -c %s "$WINEPREFIX/drive_c/sbshot.png")
    else
      sb_log "wine ($1): the 4K screenshot gave [$got]: $(tr -d '\r' <"$TMP/ctl.err" | head -c 300)"
    fi
  }
  median() { sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
  # The breakdown of TAG's rounds (medians). "transfer" is what sbctl
  # waited beyond the agent's capture and encode: the agent -> service ->
  # sbctl transfer (the agent's own send is also shown) and the request.
  shot_report() { # TAG LABEL
    local d="$TMP/diffs.$1" pf="$TMP/parts.$1" ms
    touch "$d"
    ms=$(median <"$d") || true
    printf '   %-44s %8s   (median of %d: %s; PNG %s bytes)\n' \
      "4K photo screenshot minus ping (ms)$2" "${ms:-failed}" \
      "$(wc -l <"$d" 2>/dev/null || echo 0)" "$(tr '\n' ' ' <"$d" 2>/dev/null)" "${sizes:-?}"
    if [ -s "$pf" ]; then
      med() { cut -d' ' -f"$1" "$pf" | median; }
      xfer=$(awk '{print $6 - $1 - $2 - $3}' "$pf" | median)
      printf '   %-44s %8s\n' "  agent: capture (BitBlt, GdiFlush) (ms)" "$(med 1)" \
        "  agent: filter + deflate as rows come (ms)" "$(med 2)" \
        "  agent: PNG finish (ms)" "$(med 3)" \
        "  agent: send to the service (ms)" "$(med 4)" \
        "  sbctl: connect + handshake (ms)" "$(med 5)" \
        "  sbctl: answer minus agent capture+encode (ms)" "$xfer" \
        "  sbctl: file write (ms)" "$(med 7)"
      SHOT_PARTS="\"wine_shot_capture_ms\": $(med 1), \"wine_shot_encode_ms\": $(( $(med 2) + $(med 3) )), \"wine_shot_agent_send_ms\": $(med 4), \"wine_shot_transfer_ms\": $xfer, \"wine_shot_write_ms\": $(med 7)"
    else
      sb_log "wine: no timing lines from the agent's log or sbctl"
    fi
    shot_ms=$ms
  }
  import -window root "$TMP/root.png" 2>/dev/null || true
  if [ "$(corner_diff "$TMP/root.png")" = 0 ]; then
    runs=$([ -n "$QUICK" ] && echo 1 || echo 3)
    runs=${SB_BENCH_SHOT_RUNS:-$runs}
    BASE_BIN=${SB_BENCH_WIN_BASE:-}
    [ -n "$BASE_BIN" ] && [ ! -x "$BASE_BIN/sbservice.exe" ] &&
      { sb_log "SB_BENCH_WIN_BASE: no $BASE_BIN/sbservice.exe"; BASE_BIN=; }
    sizes=
    for _ in $(seq 1 "$runs"); do
      if [ -n "$BASE_BIN" ]; then
        use_bin "$BASE_BIN"
        shot_round base
        use_bin "$WIN_BIN"
      fi
      shot_round cur
    done
    if [ -n "$BASE_BIN" ]; then
      echo "   base build ($BASE_BIN), rounds interleaved with this one's:"
      shot_report base " [base]"
      echo "   this build:"
    fi
    shot_report cur ""
  else
    echo "   4K photo screenshot: left out (ImageMagick could not set the root window)"
  fi
  WIN_BIN=$CUR_BIN
  W "$WIN_BIN/sbservice.exe" stop >/dev/null || true
  W "$WIN_BIN/sbservice.exe" uninstall >/dev/null || true
  sb_wine_stop
  WINE_JSON="$WINE_JSON, \"wine_shot_ms_4k_photo\": ${shot_ms:-null}${SHOT_PARTS:+, $SHOT_PARTS}"
else
  echo
  echo "5. Wine: left out (--no-wine, no wine, or no $WIN_BIN/sbservice.exe: scripts/test.sh builds it)"
fi

if [ -n "$JSON" ]; then
  echo "${RESULT%\}}, $SHOT_JSON, $WINE_JSON}"
fi
