#!/bin/bash
# Proof that the VM has a working soft-RoCE device, libibverbs, librdmacm and Java 25 FFM.
#   tools/rxe-vm/run tools/rxe-vm/examples selftest.sh
# Writes nothing into the shared directory (scratch files go to the guest's /tmp).
set -u
DEV=${RXE_VM_DEV:-rxe0} IP=${RXE_VM_IP:-10.77.0.1} GIDX=${RXE_VM_GID_INDEX:-1}
failed=()
step() { echo; echo "=== $*"; }
check() { local name=$1; shift; if "$@"; then echo "--- $name: OK"; else echo "--- $name: FAILED"; failed+=("$name"); fi; }
now() { echo "$EPOCHREALTIME"; }
since() { awk -v s="$1" -v e="$EPOCHREALTIME" 'BEGIN { printf "%.2fs", e - s }'; }

# server+client pair: pair NAME 'server cmd' 'client cmd'
pair() {
  local name=$1 srv=$2 cli=$3
  timeout 60 bash -c "$srv" > /tmp/$name-server.log 2>&1 & local spid=$!
  sleep 1
  local t=$(now)
  timeout 60 bash -c "$cli" > /tmp/$name-client.log 2>&1; local crc=$?
  wait $spid; local src=$?
  echo "client ($cli) rc=$crc in $(since $t):"; sed 's/^/    /' /tmp/$name-client.log
  echo "server ($srv) rc=$src:"; sed 's/^/    /' /tmp/$name-server.log
  [ $crc = 0 ] && [ $src = 0 ]
}

step "a. devices: RXE_VM_DEV=$DEV RXE_VM_IP=$IP RXE_VM_GID_INDEX=$GIDX"
uname -r
ibv_devices
ibv_devinfo -v -d "$DEV" | grep -E 'hca_id|transport|state|link_layer|active_mtu|GID\['
rdma link show
check "a. ibv_devinfo port ACTIVE/Ethernet, IPv4 GID" bash -c \
  "ibv_devinfo -v -d $DEV | grep -q PORT_ACTIVE && ibv_devinfo -v -d $DEV | grep -q 'link_layer:.*Ethernet' && ibv_devinfo -v -d $DEV | grep -q 'GID\[ *$GIDX\]:.*::ffff:$IP, RoCE v2'"

step "b. ibv_rc_pingpong -d $DEV -g $GIDX (client to 127.0.0.1, then to $IP)"
check "b. ibv_rc_pingpong via 127.0.0.1" pair rcpp "ibv_rc_pingpong -d $DEV -g $GIDX -n 200" "ibv_rc_pingpong -d $DEV -g $GIDX -n 200 127.0.0.1"
check "b. ibv_rc_pingpong via $IP" pair rcpp2 "ibv_rc_pingpong -d $DEV -g $GIDX -n 200" "ibv_rc_pingpong -d $DEV -g $GIDX -n 200 $IP"

step "c. rping (librdmacm) over $IP"
check "c. rping" pair rping "rping -s -a $IP -v -C 3" "rping -c -a $IP -v -C 3"
check "c. rdma_server/rdma_client" pair rdmacm "rdma_server -s $IP" "rdma_client -s $IP"

step "d. java"
t=$(now); java -version 2>&1; echo "java -version: $(since $t)"
mkdir -p /tmp/hello && cat > /tmp/hello/Hello.java <<'J'
public class Hello { public static void main(String[] a) { System.out.println("hello from Java " + Runtime.version()); } }
J
t=$(now); check "d. java Hello.java (source launcher)" java /tmp/hello/Hello.java; echo "source launcher: $(since $t)"

step "e. FFM: ListDevices.java"
t=$(now)
check "e. ListDevices.java" bash -c "java --enable-native-access=ALL-UNNAMED ListDevices.java | tee /tmp/ld.log && grep -q 'first device: $DEV' /tmp/ld.log"
echo "ListDevices.java (source launcher): $(since $t)"
t=$(now)
mkdir -p /tmp/ld && javac -d /tmp/ld ListDevices.java && echo "javac: $(since $t)"
t=$(now); java --enable-native-access=ALL-UNNAMED -cp /tmp/ld ListDevices > /dev/null; echo "java -cp (compiled), default JIT: $(since $t)"
t=$(now); java --enable-native-access=ALL-UNNAMED -XX:TieredStopAtLevel=1 -XX:CICompilerCount=1 -XX:+UseSerialGC -cp /tmp/ld ListDevices > /dev/null; echo "java -cp, C1 only: $(since $t)"
t=$(now); java --enable-native-access=ALL-UNNAMED -Xint -XX:+UseSerialGC -cp /tmp/ld ListDevices > /dev/null; echo "java -cp, -Xint: $(since $t)"

echo
if [ ${#failed[@]} = 0 ]; then echo "SELFTEST PASSED"; exit 0; fi
printf 'SELFTEST FAILED: %s\n' "${failed[@]}"; exit 1
