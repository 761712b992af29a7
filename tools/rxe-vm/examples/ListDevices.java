// Minimal Java 25 FFM probe of libibverbs: device count, first device's name, and (to show the
// device really opens) its GID table entries for port 1.
//
//   java --enable-native-access=ALL-UNNAMED ListDevices.java
//
// Inside the rxe VM: tools/rxe-vm/run tools/rxe-vm/examples list-devices.sh
import java.lang.foreign.*;
import java.lang.invoke.MethodHandle;
import java.util.HexFormat;

import static java.lang.foreign.ValueLayout.*;

public class ListDevices {
    public static void main(String[] args) throws Throwable {
        Linker linker = Linker.nativeLinker();
        try (Arena arena = Arena.ofConfined()) {
            SymbolLookup ibv = SymbolLookup.libraryLookup("libibverbs.so.1", arena);
            // struct ibv_device **ibv_get_device_list(int *num_devices);
            MethodHandle getDeviceList = linker.downcallHandle(ibv.findOrThrow("ibv_get_device_list"),
                    FunctionDescriptor.of(ADDRESS, ADDRESS));
            // void ibv_free_device_list(struct ibv_device **list);
            MethodHandle freeDeviceList = linker.downcallHandle(ibv.findOrThrow("ibv_free_device_list"),
                    FunctionDescriptor.ofVoid(ADDRESS));
            // const char *ibv_get_device_name(struct ibv_device *device);
            MethodHandle getDeviceName = linker.downcallHandle(ibv.findOrThrow("ibv_get_device_name"),
                    FunctionDescriptor.of(ADDRESS, ADDRESS));
            // struct ibv_context *ibv_open_device(struct ibv_device *device);
            MethodHandle openDevice = linker.downcallHandle(ibv.findOrThrow("ibv_open_device"),
                    FunctionDescriptor.of(ADDRESS, ADDRESS));
            // int ibv_close_device(struct ibv_context *context);
            MethodHandle closeDevice = linker.downcallHandle(ibv.findOrThrow("ibv_close_device"),
                    FunctionDescriptor.of(JAVA_INT, ADDRESS));
            // int ibv_query_gid(struct ibv_context *context, uint8_t port_num, int index, union ibv_gid *gid);
            MethodHandle queryGid = linker.downcallHandle(ibv.findOrThrow("ibv_query_gid"),
                    FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_BYTE, JAVA_INT, ADDRESS));

            MemorySegment num = arena.allocate(JAVA_INT);
            MemorySegment list = (MemorySegment) getDeviceList.invokeExact(num);
            if (list.equals(MemorySegment.NULL)) {
                System.out.println("ibv_get_device_list returned NULL");
                System.exit(2);
            }
            int count = num.get(JAVA_INT, 0);
            System.out.println("device count: " + count);
            try {
                if (count == 0) System.exit(1);
                MemorySegment devices = list.reinterpret(ADDRESS.byteSize() * count);
                MemorySegment first = devices.getAtIndex(ADDRESS, 0);
                MemorySegment name = (MemorySegment) getDeviceName.invokeExact(first);
                System.out.println("first device: " + name.reinterpret(Long.MAX_VALUE).getString(0));

                MemorySegment ctx = (MemorySegment) openDevice.invokeExact(first);
                if (ctx.equals(MemorySegment.NULL)) {
                    System.out.println("ibv_open_device failed");
                    System.exit(3);
                }
                MemorySegment gid = arena.allocate(16);
                for (int i = 0; i < 4; i++) {
                    int rc = (int) queryGid.invokeExact(ctx, (byte) 1, i, gid);
                    if (rc != 0) break;
                    if (gid.get(JAVA_LONG, 0) == 0 && gid.get(JAVA_LONG, 8) == 0) continue; // unused entry
                    System.out.println("port 1 gid[" + i + "]: " + HexFormat.of().formatHex(gid.toArray(JAVA_BYTE)));
                }
                int rc = (int) closeDevice.invokeExact(ctx);
            } finally {
                freeDeviceList.invokeExact(list);
            }
        }
    }
}
