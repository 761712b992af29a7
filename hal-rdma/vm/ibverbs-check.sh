#!/usr/bin/env bash
# Runs inside the soft-RoCE VM (tools/rxe-vm/run <repo> hal-rdma/vm/ibverbs-check.sh): the rdma HAL on its ibverbs
# engine, against a real kernel RDMA device (rdma_rxe) through the real libibverbs and librdmacm.
# Needs sanref-cli/target/sanref.jar built on a JDK 22+ (multi-release classes). Prints one line per scenario.
set -uo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$repo"
flags=$(sed -n 's:.*<sanref.jvm.flags>\(.*\)</sanref.jvm.flags>.*:\1:p' pom.xml)
jar=sanref-cli/target/sanref.jar
# shellcheck disable=SC2086
sanref() { java $flags ${SANREF_JAVA_OPTS:-} -jar "$jar" "$@"; }

echo "== devices"; ibv_devices
echo "== java"; java -version 2>&1 | head -1
echo "== sanref hals"; sanref hals
scenarios=${SCENARIOS:-"close-pending-rdma close-idle close-pending-recv close-pending-send peer-reset simultaneous-close close-during-connect close-during-completion cleanup-with-open-sockets stale-descriptor double-close backlog-full churn mixed"}
failed=0
for s in $scenarios; do
  echo "== run --hal rdma --scenario $s"
  start=$(date +%s)
  sanref run --hal rdma --scenario "$s" --json --journal "/tmp/journal-$s" ${RUN_ARGS:-}
  rc=$?
  echo "== $s: exit $rc in $(( $(date +%s) - start )) s"
  [ $rc -eq 0 ] || failed=$((failed + 1))
done
echo "== $failed scenario(s) failed"
exit $failed
