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
# rdma_cm resolves no route for 127.0.0.1: the scenarios listen on the rxe netdev's address.
# -XX:UseAVX=0: under qemu's TCG emulation the JVM's AVX code paths crashed it at random places (SIGSEGV in
# JIT-compiled code and in fillInStackTrace, in 3 of 3 runs); with SSE only, no run has crashed.
sanref() { java $flags -XX:UseAVX=0 -Dsanref.listen.host="${RXE_VM_IP:-127.0.0.1}" ${SANREF_JAVA_OPTS:-} -jar "$jar" "$@"; }

echo "== devices"; ibv_devices
echo "== java"; java -version 2>&1 | head -1
echo "== sanref hals"; sanref hals
scenarios=${SCENARIOS:-"close-pending-rdma close-idle close-pending-recv close-pending-send peer-reset simultaneous-close close-during-connect close-during-completion cleanup-with-open-sockets stale-descriptor double-close backlog-full churn mixed"}
failed=0
for hal in ${HALS:-rdma faulty:rdma}; do
  for s in $scenarios; do
    echo "== run --hal $hal --scenario $s"
    start=$(date +%s)
    sanref run --hal "$hal" --scenario "$s" --json --journal "/tmp/journal-${hal/:/-}-$s" ${RUN_ARGS:-}
    rc=$?
    echo "== $hal $s: exit $rc in $(( $(date +%s) - start )) s"
    [ $rc -eq 0 ] || failed=$((failed + 1))
  done
done
echo "== $failed scenario(s) failed"
exit $failed
