package io.sanref.spi;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OverlappedTest
{
    @Test
    void beginMarksInProgressAndCompleteWritesEveryFieldR4()
    {
        final Overlapped ov = new Overlapped();
        ov.begin();
        assertEquals(Winsock.WSS_OPERATION_IN_PROGRESS, ov.internal());
        assertTrue(ov.isPending());

        ov.complete(Winsock.WSA_OPERATION_ABORTED, 0, 0);
        assertFalse(ov.isPending());
        assertEquals(Winsock.WSA_OPERATION_ABORTED, ov.offsetHigh());
        assertEquals(0, ov.internalHigh());
        assertEquals(Winsock.WSA_OPERATION_ABORTED, ov.internal());
    }

    @Test
    void lowBitOfEventHandleSuppressesTheUpcallR3()
    {
        assertTrue(new Overlapped(0x1001, 0).suppressesUpcall());
        assertFalse(new Overlapped(0x1000, 0).suppressesUpcall());
        assertFalse(new Overlapped().suppressesUpcall());
    }

    @Test
    void addressesParseAndBadOnesSayWhy()
    {
        assertEquals(new SanAddress("127.0.0.1", 7010), SanAddress.parse("127.0.0.1:7010"));
        assertEquals(new SanAddress("::1", 7010), SanAddress.parse("[::1]:7010"));
        assertThrows(IllegalArgumentException.class, () -> SanAddress.parse("nohost"));
        assertThrows(IllegalArgumentException.class, () -> SanAddress.parse("h:port"));
        assertThrows(IllegalArgumentException.class, () -> SanAddress.parse("h:70000"));
    }

    @Test
    void winsockCodesHaveTheirRealValues()
    {
        assertEquals(995, Winsock.WSA_OPERATION_ABORTED);
        assertEquals(10038, Winsock.WSAENOTSOCK);
        assertEquals(10054, Winsock.WSAECONNRESET);
        assertEquals(10093, Winsock.WSANOTINITIALISED);
        assertEquals(0x103, Winsock.WSS_OPERATION_IN_PROGRESS);
        assertEquals(Winsock.WSAENOTSOCK, Winsock.errorOf(-Winsock.WSAENOTSOCK));
        assertEquals(Winsock.NO_ERROR, Winsock.errorOf(42));
    }
}
