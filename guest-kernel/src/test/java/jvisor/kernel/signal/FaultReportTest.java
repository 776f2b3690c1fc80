package jvisor.kernel.signal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

class FaultReportTest {
    @Test
    void isMadeOnFirstReadOnly() {
        AtomicInteger made = new AtomicInteger();
        FaultReport r = FaultReport.lazily(() -> "line " + made.incrementAndGet());
        assertEquals(0, made.get(), "made before anybody read it");
        assertEquals("line 1", r.text());
        assertEquals("line 1", r.toString());
        assertEquals(1, made.get());
    }
}
